using System.Diagnostics;
using System.Globalization;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>Publish-to-acknowledgement times, kept whole (a run is at most a few hundred thousand) for exact percentiles.</summary>
internal sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _count, _failed;

    public int Count => Volatile.Read(ref _count);
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Awaits one publish and records the time since <paramref name="started"/> (a Stopwatch timestamp).</summary>
    public async Task Track(ValueTask publish, long started)
    {
        try
        {
            await publish.ConfigureAwait(false);
            Add(Stopwatch.GetTimestamp() - started);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    /// <summary>Records one time, in Stopwatch ticks.</summary>
    public void Add(long elapsed)
    {
        int at = Interlocked.Increment(ref _count) - 1;
        if (at < _ticks.Length) _ticks[at] = elapsed;
    }

    public async Task Track(Task publish, long started) => await Track(new ValueTask(publish), started).ConfigureAwait(false);

    /// <summary>Waits until <paramref name="expected"/> publishes ended, or gives up after <paramref name="limit"/>.</summary>
    public async Task WaitForAsync(int expected, TimeSpan limit)
    {
        var since = Stopwatch.GetTimestamp();
        while (Count + Failed < expected && Stopwatch.GetElapsedTime(since) < limit) await Task.Delay(20).ConfigureAwait(false);
    }

    /// <summary>"p50 p99 p99.9" in microseconds.</summary>
    public string Percentiles()
    {
        int n = Math.Min(Count, _ticks.Length);
        var sorted = _ticks.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        string P(double q) => n == 0 ? "NaN" : (sorted[Math.Min(n - 1, (int)Math.Ceiling(q * n) - 1)] * 1e6 / Stopwatch.Frequency).ToString("0", CultureInfo.InvariantCulture);
        return $"{P(0.50)} {P(0.99)} {P(0.999)}";
    }
}

using System.Globalization;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// A worker's measurement of its timed phase, printed as one stdout line: when the first publish started
/// (<see cref="System.Diagnostics.Stopwatch"/> timestamps are CLOCK_MONOTONIC, comparable across processes),
/// CPU time and managed bytes allocated during the phase, and the client's flush count where it has one.
/// </summary>
internal sealed record WorkerResult(long StartTimestamp, long EndTimestamp, TimeSpan Cpu, long AllocatedBytes, long Flushes)
{
    private const string Prefix = "RESULT ";

    public override string ToString() => Prefix + string.Join(' ',
        StartTimestamp.ToString(CultureInfo.InvariantCulture), EndTimestamp.ToString(CultureInfo.InvariantCulture),
        Cpu.Ticks.ToString(CultureInfo.InvariantCulture), AllocatedBytes.ToString(CultureInfo.InvariantCulture),
        Flushes.ToString(CultureInfo.InvariantCulture));

    public static WorkerResult? TryParse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var f = line[Prefix.Length..].Split(' ');
        long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return new WorkerResult(L(0), L(1), TimeSpan.FromTicks(L(2)), L(3), L(4));
    }
}

/// <summary>Measures a worker's timed phase: CPU of the whole process and managed allocation, before and after.</summary>
internal sealed class PhaseMeter
{
    private long _start;
    private TimeSpan _cpu;
    private long _allocated;

    public void Start()
    {
        _cpu = CurrentCpu();
        _allocated = GC.GetTotalAllocatedBytes(precise: true);
        _start = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public WorkerResult Stop(long flushes = -1)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocated;
        return new WorkerResult(_start, end, CurrentCpu() - _cpu, allocated, flushes);
    }

    private static TimeSpan CurrentCpu()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }
}

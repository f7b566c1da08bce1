using System.Diagnostics;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>Where a run's messages are counted: the counting subscriber (through Mosquitto) or the null broker itself.</summary>
internal interface IArrivals : IDisposable
{
    long Count { get; }
    int LastPayloadLength { get; }

    /// <summary>Waits until <paramref name="expected"/> messages arrived, or none arrived for <paramref name="idle"/>.</summary>
    bool WaitFor(long expected, TimeSpan idle);
}

internal static class Arrivals
{
    /// <summary>Polls <paramref name="count"/> until it reaches <paramref name="expected"/> or stands still for <paramref name="idle"/>.</summary>
    public static bool WaitFor(Func<long> count, long expected, TimeSpan idle)
    {
        long seen = -1;
        var since = Stopwatch.GetTimestamp();
        while (true)
        {
            long now = count();
            if (now >= expected) return true;
            if (now != seen) { seen = now; since = Stopwatch.GetTimestamp(); }
            else if (Stopwatch.GetElapsedTime(since) > idle) return false;
            Thread.Sleep(5);
        }
    }
}

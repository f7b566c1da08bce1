using System.Diagnostics;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// What tracking outage ranges costs the strict-order cache, per message, without disk or client
/// (<c>dotnet run -c Release --project bench/ZeroDepMqtt.Benchmarks -- cache-ranges</c>): the work DiskCache does
/// under its lock for each message. Connected: the forwarder's <c>Contains</c> per message sent (the accept path
/// only tests a flag). In an outage: the accept path's <c>Contains(seq − 1)</c> and <c>Add(seq)</c>, and the
/// forwarder's <c>Contains</c>. Each with 1 range held and with 1,000 (a thousand outages not yet delivered:
/// binary search). 10 million messages per case, best of 5 rounds; CPU time of this thread.
/// </summary>
public static class CachedRangesCheck
{
    private const int Messages = 10_000_000;

    public static void Run()
    {
        foreach (int held in new[] { 1, 1000 })
        {
            Console.WriteLine($"{held} range(s) held: connected {Best(() => Connected(held)):0.00} ns/msg, outage {Best(() => Outage(held)):0.00} ns/msg");
        }
    }

    private static double Best(Func<long> run)
    {
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            long sink = run();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - before;
            if (sink == 42) Console.Write("");   // keeps the loop's result alive
            best = Math.Min(best, cpu.TotalNanoseconds / Messages);
        }
        return best;
    }

    // Ranges of 10 messages with gaps of 10, below the messages of the case.
    private static CachedRanges Held(int held)
    {
        var ranges = new CachedRanges();
        for (int i = 0; i < held; i++) ranges.Add(i * 20L + 1, i * 20L + 10);
        return ranges;
    }

    private static long Connected(int held)
    {
        var ranges = Held(held);
        long first = held * 20L + 1, found = 0;
        for (long seq = first; seq < first + Messages; seq++) if (ranges.Contains(seq)) found++;
        return found;
    }

    private static long Outage(int held)
    {
        var ranges = Held(held);
        long first = held * 20L + 1, found = 0;
        for (long seq = first; seq < first + Messages; seq++)
        {
            if (!ranges.Contains(seq - 1)) ranges.PruneThrough(0);
            ranges.Add(seq);
            if (ranges.Contains(seq)) found++;
        }
        return found;
    }
}

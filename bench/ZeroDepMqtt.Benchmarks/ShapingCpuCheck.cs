using System.Diagnostics;
using System.Globalization;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/ZeroDepMqtt.Benchmarks -- shaping-cpu</c>: the same three paths as
/// <see cref="ShapingBenchmarks"/>, measured in process CPU time and allocated bytes per message over 1,000,000
/// messages, five rounds interleaved, median reported. CPU time, not wall time, because this 2-core machine is shared:
/// a loaded run stretches wall time far more than the CPU a message costs.
/// </summary>
public static class ShapingCpuCheck
{
    public static void Run()
    {
        var bench = new ShapingBenchmarks();
        bench.Setup();
        const int n = 1_000_000;
        (string Name, Func<int> Body)[] paths = [("plain", bench.Plain), ("shape only", bench.ShapeOnly), ("shape only, general path", bench.ShapeOnlyGeneralPath), ("dynamic topic + fields", bench.ShapedDynamicTopicAndFields)];
        var cpu = paths.ToDictionary(p => p.Name, _ => new List<double>());
        var alloc = paths.ToDictionary(p => p.Name, _ => new List<double>());
        for (int round = 0; round < 6; round++)
        {
            foreach (var (name, body) in paths)
            {
                var process = Process.GetCurrentProcess();
                long bytes = GC.GetAllocatedBytesForCurrentThread();
                var start = process.TotalProcessorTime;
                for (int i = 0; i < n; i++) body();
                process.Refresh();
                var used = process.TotalProcessorTime - start;
                if (round == 0) continue; // warm-up (JIT tiers)
                cpu[name].Add(used.TotalNanoseconds / n);
                alloc[name].Add((GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)n);
            }
        }
        double plain = Median(cpu["plain"]);
        foreach (var (name, _) in paths)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-26} {Median(cpu[name]),8:0.0} ns CPU/msg  ({Median(cpu[name]) / plain:0.00}x plain)  {Median(alloc[name]):0.000} B/msg allocated"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}

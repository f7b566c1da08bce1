using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// With <c>ZDBENCH_ALLOC_TRACE=1</c>, a worker listens to the runtime's GC AllocationTick events (one sample about
/// every 100 KB allocated) and prints the sampled types to stderr: where the bytes of the alloc column come from.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _on;

    public static AllocationSampler? StartIfAsked()
        => Environment.GetEnvironmentVariable("ZDBENCH_ALLOC_TRACE") == "1" ? new AllocationSampler() : null;

    public void Begin() => _on = true;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick at verbose level
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        int type = e.PayloadNames!.IndexOf("TypeName");
        int amount = e.PayloadNames.IndexOf("AllocationAmount");
        string name = type >= 0 ? e.Payload[type]?.ToString() ?? "?" : "?";
        long bytes = amount >= 0 ? Convert.ToInt64(e.Payload[amount], System.Globalization.CultureInfo.InvariantCulture) : 0;
        _bytes.AddOrUpdate(name, bytes, (_, b) => b + bytes);
    }

    public void Report()
    {
        _on = false;
        foreach (var (name, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(15))
            Console.Error.WriteLine($"alloc sample: {bytes,12:N0} B  {name}");
    }
}

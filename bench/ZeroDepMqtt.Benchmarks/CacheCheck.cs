using System.Diagnostics;
using System.Globalization;
using ZeroDepMqtt.Sink;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/ZeroDepMqtt.Benchmarks -- cache [DIR]</c>: the disk cache alone (no
/// broker, no client: what a spool with the broker down does), in a scratch directory under DIR (default: the system
/// temp directory; give a directory on the disk the cache would use, fsync on tmpfs costs nothing).
/// 1. <c>cacheSync: always</c>: accepts of 32-byte payloads with 1, 256 and 10,000 outstanding (10,000: zdmqtt
///    publish's window): accepts/s, fsyncs/s, records per fsync (group commit), bytes allocated per accepted message (all
///    threads, the committer's included).
/// 2. Start-up with 1,000,000 pending messages: the log is filled (cacheSync none, to save time), closed, and opened
///    again three times; each open reads and checks every record (recovery), as <c>MqttSink.StartAsync</c> does.
/// </summary>
public static class CacheCheck
{
    public static void Run(string? root)
    {
        string dir = Path.Combine(root ?? Path.GetTempPath(), $"zdmqtt-cache-check-{Environment.ProcessId}");
        try
        {
            // One at a time (each accept waits for its own fsync), the client's in-flight window, zdmqtt's window.
            SyncAlways(Path.Combine(dir, "always-1"), 2_000, 1);
            SyncAlways(Path.Combine(dir, "always-256"), 100_000, 256);
            SyncAlways(Path.Combine(dir, "always-10000"), 200_000, 10_000);
            StartUp(Path.Combine(dir, "startup"), 1_000_000);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static CacheSettings Settings(string dir, CacheSyncMode sync) => new()
    {
        Directory = dir,
        MemoryMessages = 1024,
        MaxDiskMessages = 2_000_000,
        Sync = sync,
        SyncInterval = TimeSpan.FromSeconds(1),
        FullPolicy = CacheFullPolicy.Block,
    };

    private static void SyncAlways(string dir, int n, int window)
    {
        var payload = new byte[32];
        // Warm-up round (JIT tiers), then the measured one in a fresh directory.
        for (int round = 0; round < 2; round++)
        {
            string d = dir + round.ToString(CultureInfo.InvariantCulture);
            var cache = DiskCache.Open(Settings(d, CacheSyncMode.Always), "bench", clientIdGenerated: false);
            var pending = new Queue<ValueTask>(window);
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                if (pending.Count == window) pending.Dequeue().GetAwaiter().GetResult();
                pending.Enqueue(cache.AcceptAsync(payload, CancellationToken.None));
            }
            while (pending.Count > 0) pending.Dequeue().GetAwaiter().GetResult();
            clock.Stop();
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var (fsyncs, records) = cache.SyncStats;
            cache.CloseAsync().AsTask().GetAwaiter().GetResult();
            if (round == 0) continue;
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cacheSync always, {window} outstanding: {n} accepts in {seconds:0.00} s = {n / seconds:0} msg/s; {fsyncs} fsyncs = {fsyncs / seconds:0} fsyncs/s, "
                + $"{records / (double)Math.Max(1, fsyncs):0.0} records per fsync; {allocated / (double)n:0.0} B allocated per accepted message (all threads)"));
        }
    }

    private static void StartUp(string dir, int n)
    {
        var cache = DiskCache.Open(Settings(dir, CacheSyncMode.None), "bench", clientIdGenerated: false);
        var payload = new byte[32];
        var pending = new Queue<ValueTask>(10_000);
        for (int i = 0; i < n; i++)
        {
            if (pending.Count == 10_000) pending.Dequeue().GetAwaiter().GetResult();
            pending.Enqueue(cache.AcceptAsync(payload, CancellationToken.None));
        }
        while (pending.Count > 0) pending.Dequeue().GetAwaiter().GetResult();
        cache.CloseAsync().AsTask().GetAwaiter().GetResult();
        long bytes = Directory.EnumerateFiles(dir).Sum(f => new FileInfo(f).Length);
        for (int round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            var reopened = DiskCache.Open(Settings(dir, CacheSyncMode.None), "bench", clientIdGenerated: false);
            clock.Stop();
            long found = reopened.Recovery.Pending;
            int segments = reopened.Recovery.Segments;
            reopened.CloseAsync().AsTask().GetAwaiter().GetResult();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"start-up with {found} pending messages ({segments} segments, {bytes / 1048576.0:0.0} MiB, page cache warm): open and recover in {clock.Elapsed.TotalMilliseconds:0} ms"));
        }
    }
}

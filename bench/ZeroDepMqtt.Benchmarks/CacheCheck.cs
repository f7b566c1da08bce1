using System.Diagnostics;
using System.Globalization;
using ZeroDepMqtt.Sink;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/ZeroDepMqtt.Benchmarks -- cache [startup] [DIR]</c>: the disk cache alone (no
/// broker, no client: what a spool with the broker down does), in a scratch directory under DIR (default: the system
/// temp directory; give a directory on the disk the cache would use, fsync on tmpfs costs nothing); <c>startup</c>: only 2.
/// 1. <c>cacheSync: always</c>: accepts of 32-byte payloads with 1, 256 and 10,000 outstanding (10,000: zdmqtt
///    publish's window): accepts/s, fsyncs/s, records per fsync (group commit), bytes allocated per accepted message (all
///    threads, the committer's included).
/// 2. Start-up with 1,000,000 pending messages: the log is filled (cacheSync none, to save time), closed, and opened
///    again six times; each open reads and checks every record (recovery), as <c>MqttSink.StartAsync</c> does. The
///    last three start cold on Linux: the segments' pages are dropped from the page cache first.
/// </summary>
public static class CacheCheck
{
    public static void Run(string? root, bool startUpOnly = false)
    {
        string dir = Path.Combine(root ?? Path.GetTempPath(), $"zdmqtt-cache-check-{Environment.ProcessId}");
        try
        {
            // One at a time (each accept waits for its own fsync), the client's in-flight window, zdmqtt's window.
            if (!startUpOnly)
            {
                SyncAlways(Path.Combine(dir, "always-1"), 2_000, 1);
                SyncAlways(Path.Combine(dir, "always-256"), 100_000, 256);
                SyncAlways(Path.Combine(dir, "always-10000"), 200_000, 10_000);
            }
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
        for (int round = 0; round < 6; round++)
        {
            // Rounds 3–5 cold: each segment is fsync'ed and its pages dropped from the page cache (posix_fadvise
            // DONTNEED, which needs no privilege, unlike /proc/sys/vm/drop_caches), so recovery reads from the disk.
            bool cold = round >= 3 && OperatingSystem.IsLinux();
            long coldResident = 0;
            if (cold)
            {
                foreach (var f in Directory.EnumerateFiles(dir, "seg-*.log"))
                {
                    long r = DropFromPageCache(f);
                    coldResident = r < 0 || coldResident < 0 ? -1 : coldResident + r;
                }
            }
            var clock = Stopwatch.StartNew();
            var reopened = DiskCache.Open(Settings(dir, CacheSyncMode.None), "bench", clientIdGenerated: false);
            clock.Stop();
            long found = reopened.Recovery.Pending;
            int segments = reopened.Recovery.Segments;
            reopened.CloseAsync().AsTask().GetAwaiter().GetResult();
            if (cold) Console.WriteLine($"  (pages of the segments in the page cache before that open: {(coldResident < 0 ? "unknown" : coldResident.ToString(CultureInfo.InvariantCulture))})");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"start-up with {found} pending messages ({segments} segments, {bytes / 1048576.0:0.0} MiB, page cache {(cold ? "dropped" : "warm")}): open and recover in {clock.Elapsed.TotalMilliseconds:0} ms"));
        }
    }

    // fsync, then POSIX_FADV_DONTNEED (4) over the whole file; returns the pages still resident (mincore), -1 unknown.
    private static long DropFromPageCache(string path)
    {
        using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite)) f.Flush(flushToDisk: true);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        int fd = (int)handle.DangerousGetHandle();
        if (PosixFadvise(fd, 0, 0, 4) != 0) return -1;
        return Resident(path);
    }

    private static long Resident(string path)
    {
        try
        {
            // fincore (util-linux) prints the resident pages of the file.
            var start = new ProcessStartInfo("fincore", ["--noheadings", "--raw", "--output", "PAGES", path]) { RedirectStandardOutput = true };
            using var p = Process.Start(start)!;
            string text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long pages) ? pages : -1;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Sink.Cache;
using ZeroDepMqtt.Sink.Tests.Cli;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>zdmqtt publish with enableCache against a real Mosquitto, with the broker unreachable (an unused port,
/// same cache) and with the process killed by SIGKILL part-way.</summary>
[Collection(BrokerCollections.Plain)]
public sealed class CachedPublishTests(PlainMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private MosquittoBroker Broker => fixture.Broker;

    private string Config(string name, int port, string topic, int qos, string cache, string clientId, string extra = "")
    {
        files.Write(name, $$"""{"server": "tcp://{{Broker.Host}}:{{port}}", "topic": "{{topic}}", "qos": {{qos}}, "clientId": "{{clientId}}", "protocolVersion": "3.1.1", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
        return files.PathOf(name);
    }

    [Fact]
    public async Task Unreachable_broker_keeps_messages_in_the_cache_exit_3_and_a_later_run_drains_them_exit_0()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            const string topic = "cache/unreachable";
            string cache = files.PathOf("cache-unreachable");
            string down = Config("down.json", UnusedPort(), topic, 1, cache, "cache-unreachable");
            string up = Config("up.json", Broker.Port, topic, 1, cache, "cache-unreachable");
            var lines = Enumerable.Range(1, 300).Select(i => $"m{i}").ToArray();

            var first = await Zdmqtt.InProcessAsync(string.Join('\n', lines) + "\n", "publish", "-c", down, "--give-up-after", "1");
            Assert.True(first.Code == 3, first.ToString());
            Assert.Contains("300 message(s) accepted into the cache, 0 delivered", first.Err);
            Assert.Contains($"300 kept in the cache {cache}", first.Err);

            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            var second = await Zdmqtt.InProcessAsync("", "publish", "-c", up, "--input", "/dev/null");
            Assert.True(second.Code == 0, second.ToString());
            Assert.Contains("300 message(s) left in the cache by an earlier run are sent first", second.Err);
            var received = await sub.WaitForAsync(lines.Length, TimeSpan.FromSeconds(30));
            Assert.Equal(lines, received.Select(m => Encoding.UTF8.GetString(m.Payload)));
        });
    }

    [Theory]
    [InlineData("dropOldest", 201)]
    [InlineData("dropNewest", 1)]
    public async Task A_full_cache_drops_by_its_policy_counts_the_drops_and_keeps_order(string policy, int firstKept)
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            string topic = $"cache/full/{policy}";
            string cache = files.PathOf($"cache-full-{policy}");
            string extra = $", \"maxDiskCache\": 100, \"memoryCacheThreshold\": 10, \"cacheFullPolicy\": \"{policy}\"";
            files.Write($"full-down-{policy}.json", $$"""{"server": "tcp://127.0.0.1:{{UnusedPort()}}", "topic": "{{topic}}", "qos": 1, "clientId": "cache-full-{{policy}}", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            files.Write($"full-up-{policy}.json", $$"""{"server": "tcp://127.0.0.1:{{Broker.Port}}", "topic": "{{topic}}", "qos": 1, "clientId": "cache-full-{{policy}}", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            var lines = Enumerable.Range(1, 300).Select(i => $"m{i}").ToArray();

            var first = await Zdmqtt.InProcessAsync(string.Join('\n', lines) + "\n", "publish", "-c", files.PathOf($"full-down-{policy}.json"), "--give-up-after", "1");
            Assert.True(first.Code == 3, first.ToString());
            Assert.Contains($"100 kept in the cache {cache}", first.Err);
            Assert.Contains($"200 message(s) dropped: the cache was full (cacheFullPolicy \"{policy}\")", first.Err);

            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            var second = await Zdmqtt.InProcessAsync("", "publish", "-c", files.PathOf($"full-up-{policy}.json"), "--input", "/dev/null");
            Assert.True(second.Code == 0, second.ToString());
            var received = await sub.WaitForAsync(100, TimeSpan.FromSeconds(30));
            // dropOldest keeps the newest 100, dropNewest the first 100: either way in order, with no gap.
            Assert.Equal(lines.Skip(firstKept - 1).Take(100), received.Select(m => Encoding.UTF8.GetString(m.Payload)));
        });
    }

    [Fact]
    public async Task ResendIndicatorField_marks_re_sent_json_objects_and_leaves_everything_else_as_it_is()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            const string topic = "cache/indicator";
            string cache = files.PathOf("cache-indicator");
            const string extra = ", \"resendIndicatorField\": \"resent\"";
            files.Write("indicator-down.json", $$"""{"server": "tcp://127.0.0.1:{{UnusedPort()}}", "topic": "{{topic}}", "qos": 1, "clientId": "cache-indicator", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            files.Write("indicator-up.json", $$"""{"server": "tcp://127.0.0.1:{{Broker.Port}}", "topic": "{{topic}}", "qos": 1, "clientId": "cache-indicator", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            string[] cached = ["{\"n\":1,\"t\":\"é\"}", "{\"n\":2,\"resent\":false}", "not json", "[1,2]"];
            var first = await Zdmqtt.InProcessAsync(string.Join('\n', cached) + "\n", "publish", "-c", files.PathOf("indicator-down.json"), "--give-up-after", "1");
            Assert.True(first.Code == 3, first.ToString());

            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            var second = await Zdmqtt.InProcessAsync("{\"n\":5}\n", "publish", "-c", files.PathOf("indicator-up.json"));
            Assert.True(second.Code == 0, second.ToString());
            var received = await sub.WaitForAsync(5, TimeSpan.FromSeconds(30));
            // Re-sent objects marked (added or replaced), other re-sent payloads and the live message unchanged.
            Assert.Equal(["{\"n\":1,\"t\":\"é\",\"resent\":true}", "{\"n\":2,\"resent\":true}", "not json", "[1,2]", "{\"n\":5}"],
                received.Select(m => Encoding.UTF8.GetString(m.Payload)));
        });
    }

    [Fact]
    public async Task ResendDestination_sends_re_sent_messages_to_its_topic_and_live_ones_to_the_sink_topic()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            string cache = files.PathOf("cache-destination");
            const string extra = ", \"resendDestination\": \"cache/dest/resent\"";
            files.Write("dest-down.json", $$"""{"server": "tcp://127.0.0.1:{{UnusedPort()}}", "topic": "cache/dest/live", "qos": 1, "clientId": "cache-dest", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            files.Write("dest-up.json", $$"""{"server": "tcp://127.0.0.1:{{Broker.Port}}", "topic": "cache/dest/live", "qos": 1, "clientId": "cache-dest", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            var first = await Zdmqtt.InProcessAsync("c1\nc2\n", "publish", "-c", files.PathOf("dest-down.json"), "--give-up-after", "1");
            Assert.True(first.Code == 3, first.ToString());

            await using var sub = await MosquittoSub.StartAsync(Broker, "cache/dest/#", qos: 1);
            var second = await Zdmqtt.InProcessAsync("l1\n", "publish", "-c", files.PathOf("dest-up.json"));
            Assert.True(second.Code == 0, second.ToString());
            var received = await sub.WaitForAsync(3, TimeSpan.FromSeconds(30));
            Assert.Equal(["cache/dest/resent c1", "cache/dest/resent c2", "cache/dest/live l1"],
                received.Select(m => $"{m.Topic} {Encoding.UTF8.GetString(m.Payload)}"));
        });
    }

    /// <summary>resendAlterQueue: an earlier run's 300 messages and 300 live ones go out through two queues; every one
    /// arrives (QoS 1: at least once; QoS 2: once), the re-sent ones on resendDestination marked with the indicator
    /// field, each queue in its own order.</summary>
    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, 1)]
    [InlineData(-1, 2)]
    [InlineData(1, 2)]
    public async Task ResendAlterQueue_sends_re_sent_and_live_messages_through_two_queues_with_nothing_lost(int priority, int qos)
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            string name = $"alter{priority}q{qos}";
            string cache = files.PathOf($"cache-{name}");
            string extra = $", \"resendAlterQueue\": true, \"resendPriority\": {priority}, \"resendDestination\": \"cache/{name}/resent\", \"resendIndicatorField\": \"resent\"";
            files.Write($"{name}-down.json", $$"""{"server": "tcp://127.0.0.1:{{UnusedPort()}}", "topic": "cache/{{name}}/live", "qos": {{qos}}, "clientId": "cache-{{name}}", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            files.Write($"{name}-up.json", $$"""{"server": "tcp://127.0.0.1:{{Broker.Port}}", "topic": "cache/{{name}}/live", "qos": {{qos}}, "clientId": "cache-{{name}}", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            var cached = Enumerable.Range(1, 300).Select(i => $"{{\"n\":{i}}}").ToArray();
            var live = Enumerable.Range(1, 300).Select(i => $"{{\"l\":{i}}}").ToArray();
            var first = await Zdmqtt.InProcessAsync(string.Join('\n', cached) + "\n", "publish", "-c", files.PathOf($"{name}-down.json"), "--give-up-after", "1");
            Assert.True(first.Code == 3, first.ToString());

            await using var sub = await MosquittoSub.StartAsync(Broker, $"cache/{name}/#", qos: qos);
            var second = await Zdmqtt.InProcessAsync(string.Join('\n', live) + "\n", "publish", "-c", files.PathOf($"{name}-up.json"));
            Assert.True(second.Code == 0, second.ToString());
            var received = (await sub.WaitForAsync(600, TimeSpan.FromSeconds(60))).Select(m => (m.Topic, Text: Encoding.UTF8.GetString(m.Payload))).ToList();
            var resent = received.Where(m => m.Topic == $"cache/{name}/resent").Select(m => m.Text).Distinct().ToList();
            var sentLive = received.Where(m => m.Topic == $"cache/{name}/live").Select(m => m.Text).Distinct().ToList();
            Assert.Equal(cached.Select(c => c[..^1] + ",\"resent\":true}"), resent);
            Assert.Equal(live, sentLive);
            if (qos == 2) Assert.Equal(600, received.Count);
        });
    }

    /// <summary>
    /// resendAlterQueue at QoS 2 after a long outage: 70,000 messages of an earlier run, so every live message's packet
    /// id (a function of its sequence number, repeating every 65,535) is still owed to a cached message that waits
    /// behind the live queue with live data first. The forwarder must then send cached messages until the id is free,
    /// not wait for it (a deadlock before: the live message taken, its id never freed). Every message arrives once.
    /// </summary>
    [Fact]
    public async Task ResendAlterQueue_at_QoS_2_after_more_than_65535_cached_messages_lets_the_cached_queue_free_the_ids()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            const int Cached = 70_000, Live = 200;
            string cache = files.PathOf("cache-alter-wrap");
            const string extra = ", \"resendAlterQueue\": true, \"resendPriority\": -1, \"resendDestination\": \"cache/wrap/resent\"";
            files.Write("wrap-down.json", $$"""{"server": "tcp://127.0.0.1:{{UnusedPort()}}", "topic": "cache/wrap/live", "qos": 2, "clientId": "cache-wrap", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            files.Write("wrap-up.json", $$"""{"server": "tcp://127.0.0.1:{{Broker.Port}}", "topic": "cache/wrap/live", "qos": 2, "clientId": "cache-wrap", "enableCache": true, "cachePath": "{{cache}}"{{extra}}}""");
            var first = await Zdmqtt.InProcessAsync(string.Concat(Enumerable.Range(1, Cached).Select(i => $"c{i}\n")), "publish", "-c", files.PathOf("wrap-down.json"), "--give-up-after", "3");
            Assert.True(first.Code == 3 && first.Err.Contains($"{Cached} kept in the cache", StringComparison.Ordinal), first.ToString());

            await using var sub = await MosquittoSub.StartAsync(Broker, "cache/wrap/#", qos: 2);
            var live = Enumerable.Range(1, Live).Select(i => $"l{i}").ToArray();
            var second = await Zdmqtt.InProcessAsync(string.Join('\n', live) + "\n", "publish", "-c", files.PathOf("wrap-up.json"));
            Assert.True(second.Code == 0, second.ToString());
            var received = (await sub.WaitForAsync(Cached + Live, TimeSpan.FromSeconds(120))).Select(m => (m.Topic, Text: Encoding.UTF8.GetString(m.Payload))).ToList();
            Assert.Equal(Cached + Live, received.Count);
            Assert.Equal(Enumerable.Range(1, Cached).Select(i => $"c{i}"), received.Where(m => m.Topic == "cache/wrap/resent").Select(m => m.Text));
            Assert.Equal(live, received.Where(m => m.Topic == "cache/wrap/live").Select(m => m.Text));
        });
    }

    [Fact]
    public async Task A_full_cache_with_block_keeps_strict_order_while_publishes_wait_for_room()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            // A tiny cache and zdmqtt's large window: nearly every publish waits for room, many at once.
            const string topic = "cache/block-order";
            files.Write("block.json", $$"""{"server": "tcp://127.0.0.1:{{Broker.Port}}", "topic": "{{topic}}", "qos": 1, "clientId": "cache-block", "enableCache": true, "cachePath": "{{files.PathOf("cache-block")}}", "maxDiskCache": 5, "memoryCacheThreshold": 1}""");
            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            var lines = Enumerable.Range(1, 2000).Select(i => $"m{i}").ToArray();
            var run = await Zdmqtt.InProcessAsync(string.Join('\n', lines) + "\n", "publish", "-c", files.PathOf("block.json"));
            Assert.True(run.Code == 0, run.ToString());
            var received = await sub.WaitForAsync(lines.Length, TimeSpan.FromSeconds(60));
            Assert.Equal(lines, received.Select(m => Encoding.UTF8.GetString(m.Payload)));
        });
    }

    [Fact]
    public async Task A_second_process_on_the_same_cache_gets_a_clear_error()
    {
        string cache = files.PathOf("cache-locked");
        string config = Config("locked.json", UnusedPort(), "cache/locked", 1, cache, "cache-locked");
        Directory.CreateDirectory(cache);
        using var held = new FileStream(Path.Combine(cache, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var run = await Zdmqtt.ProcessAsync(files.Dir, "x\n", "publish", "-c", config, "--give-up-after", "1");
        Assert.True(run.Code == 2, run.ToString());
        Assert.Contains("is in use by another process", run.Err);
    }

    [Fact]
    public async Task An_unwritable_cache_directory_is_a_clear_error_exit_2()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            // Root ignores directory permissions (and Windows has no Unix modes); the simulated disk covers failing writes.
            output.WriteLine("skipped: running as root or on Windows, where a read-only directory is still writable");
            return;
        }
        string parent = files.PathOf("readonly-parent");
        Directory.CreateDirectory(parent);
        File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            string config = Config("ro.json", UnusedPort(), "cache/ro", 1, Path.Combine(parent, "cache"), "cache-ro");
            var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", config, "--give-up-after", "1");
            Assert.True(run.Code == 2, run.ToString());
            Assert.Contains("cannot be used: permission denied", run.Err);
        }
        finally
        {
            File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>
    /// The kill loop (short here; bench/cache-kill-loop.sh runs it 20 times): each run feeds numbered lines to a real
    /// zdmqtt process and SIGKILLs it after a random number of lines, with the broker reachable in even runs and
    /// unreachable (an unused port, same cache) in odd ones; a last run drains. Every run's numbers must arrive as a
    /// prefix of its input, in order, with no gap and nothing foreign; QoS 1 may repeat (counted), QoS 2 never. With
    /// resendAlterQueue (live data first) a run's messages left in the cache go out through the cached queue of the
    /// next runs while those publish live ones: each run's own numbers still arrive in order, and QoS 2 once. The
    /// subscriber is read until it has every recorded message and "end" (with live data first, "end" can come before
    /// the cached ones).
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public async Task Killed_runs_deliver_a_gap_free_prefix_of_each_input_in_order(int qos, bool alterQueue)
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            int kills = int.TryParse(Environment.GetEnvironmentVariable("ZDMQTT_CACHE_KILLS"), out int k) ? k : 4;
            string name = $"q{qos}{(alterQueue ? "a" : "")}";
            string topic = $"cache/kill/{name}";
            string cache = files.PathOf($"cache-kill-{name}");
            string client = $"cache-kill-{name}";
            string extra = alterQueue ? ", \"resendAlterQueue\": true, \"resendPriority\": -1" : "";
            string up = Config($"kill-up-{name}.json", Broker.Port, topic, qos, cache, client, extra);
            string down = Config($"kill-down-{name}.json", UnusedPort(), topic, qos, cache, client, extra);
            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 2);
            var random = new Random(qos * 7919 + Environment.ProcessId);
            var recorded = new long[kills];
            for (int run = 0; run < kills; run++)
            {
                int lines = random.Next(2_000, 30_000);
                long before = LastSequence(cache, alterQueue);
                await RunAndKillAsync(run % 2 == 0 ? up : down, cache, run, lines, TimeSpan.FromMilliseconds(random.Next(0, 1500)));
                // Every record the run left in the log (each message it accepted, and any written but not yet synced
                // when it was killed) is a message the later runs must deliver.
                recorded[run] = LastSequence(cache, alterQueue) - before;
            }
            // A hang guard, not a speed bound: 20 kills leave up to about 300,000 messages, and QoS 2 through Mosquitto
            // on a loaded 2-core machine drains a few thousand a second (one run took over the former 1 minute).
            var drain = await Zdmqtt.ProcessAsync(files.Dir, "end\n", TimeSpan.FromMinutes(10), "publish", "-c", up);
            Assert.True(drain.Code == 0, drain.ToString());
            output.WriteLine($"drain run: {drain}");

            var received = await WaitForDistinctAsync(sub, recorded.Sum() + 1);
            var perRun = new Dictionary<int, List<int>>();
            int duplicates = 0;
            var seen = new HashSet<string>();
            foreach (var m in received)
            {
                string text = Encoding.UTF8.GetString(m.Payload);
                if (text == "end") continue;
                if (!seen.Add(text)) { duplicates++; continue; }
                var parts = text.Split(':');
                Assert.True(parts.Length == 2 && int.TryParse(parts[0], out _) && int.TryParse(parts[1], out _), $"garbage payload \"{text}\"");
                int r = int.Parse(parts[0]), n = int.Parse(parts[1]);
                if (!perRun.TryGetValue(r, out var list)) perRun[r] = list = [];
                list.Add(n);
            }
            if (qos == 2)
            {
                // Over its QoS 2 quota Mosquitto answers PUBREC rc151 and drops the message; MQTT 3.1.1's PUBREC cannot
                // carry the code, so the client sees success. Its log is the only witness.
                int refused = Broker.ReadLog().Split('\n').Count(l => l.Contains($"PUBREC to {client} (", StringComparison.Ordinal) && l.Contains("rc151", StringComparison.Ordinal));
                Assert.True(refused == 0, $"the broker refused {refused} QoS 2 message(s) of {client} over its quota (PUBREC rc151 in its log): lost");
            }
            output.WriteLine($"recorded per run: {string.Join(", ", recorded)}; delivered per run: {string.Join(", ", perRun.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value.Count}"))}");
            foreach (var (r, numbers) in perRun)
                Assert.True(numbers.SequenceEqual(Enumerable.Range(0, numbers.Count)), $"run {r}: not a gap-free prefix in order (got {numbers.Count}, first break at {FirstBreak(numbers)}: {string.Join(",", numbers.Skip(Math.Max(0, FirstBreak(numbers) - 3)).Take(12))})");
            for (int r = 0; r < kills; r++)
            {
                var got = perRun.GetValueOrDefault(r) ?? [];
                Assert.True(got.Count == recorded[r], $"run {r}: {recorded[r]} messages recorded in the cache, {got.Count} delivered; missing: {string.Join(",", Enumerable.Range(0, (int)recorded[r]).Except(got).Take(20))}");
            }
            output.WriteLine($"recorded per run (the lower bound of accepted): {string.Join(", ", recorded)}; total {recorded.Sum()}");
            output.WriteLine($"qos {qos}{(alterQueue ? " resendAlterQueue" : "")}: {kills} kills, {seen.Count} distinct delivered, {duplicates} duplicate(s), per run: {string.Join(", ", perRun.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value.Count}"))}");
            Assert.NotEmpty(perRun);
            // QoS 2 is exactly once across the kills: the cache records each message's packet id (its sequence
            // number) and PUBREC, and a restarted run resumes the broker's session (PUBREL, or PUBLISH with DUP).
            if (qos == 2) Assert.True(duplicates == 0, $"QoS 2: {duplicates} duplicate(s) across restarts");
        });
    }

    private static int FirstBreak(List<int> numbers)
    {
        for (int i = 0; i < numbers.Count; i++) if (numbers[i] != i) return i;
        return -1;
    }

    // Until `expected` distinct payloads arrived (QoS 1 repeats some); the timeout of each wait is the hang guard.
    private static async Task<IReadOnlyList<ReceivedMessage>> WaitForDistinctAsync(MosquittoSub sub, long expected)
    {
        for (int count = (int)expected; ; )
        {
            IReadOnlyList<ReceivedMessage> received;
            try
            {
                received = await sub.WaitForAsync(count, TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                // Nothing more arrives: the checks that follow name the run and the numbers missing.
                return sub.Messages;
            }
            int distinct = received.Select(m => Encoding.UTF8.GetString(m.Payload)).Distinct().Count();
            if (distinct >= expected) return received;
            count = received.Count + (int)(expected - distinct);
        }
    }

    private async Task RunAndKillAsync(string config, string cacheDir, int run, int lines, TimeSpan afterFirstRecord)
    {
        var start = Cli.ZdmqttProcess.StartInfo(files.Dir, ["publish", "-c", config, "--give-up-after", "600"]);
        long before = CacheBytes(cacheDir);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var input = process.StandardInput.BaseStream;
        try
        {
            // Written in chunks; the pipe blocks while zdmqtt is not reading, so the kill lands at a random point of its work.
            var chunk = new StringBuilder();
            for (int i = 0; i < lines; i++)
            {
                chunk.Append(run).Append(':').Append(i).Append('\n');
                if (chunk.Length > 4096 || i == lines - 1)
                {
                    await input.WriteAsync(Encoding.ASCII.GetBytes(chunk.ToString()));
                    await input.FlushAsync();
                    chunk.Clear();
                }
            }
        }
        catch (IOException)
        {
            // zdmqtt ended early (its stderr is shown below).
        }
        // Small inputs fit in the pipe and are written before zdmqtt reads anything: wait (hang guard 60 s) until it
        // has stored at least one record of this run, so that every kill lands inside real work.
        var guard = Stopwatch.StartNew();
        while (CacheBytes(cacheDir) <= before && !process.HasExited && guard.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(10);
        if (process.HasExited) Assert.Fail($"run {run}: zdmqtt exited with {process.ExitCode} before the kill: {await stderr}");
        // A random moment later, not a synchronisation: killed right after its first record a run has rarely sent
        // anything yet; later it is forwarding, with QoS 2 flows at every stage when the kill lands.
        await Task.Delay(afterFirstRecord);
        if (process.HasExited)
        {
            // A short input can be done first: a whole, clean run, whose every line must arrive like the others.
            Assert.True(process.ExitCode == 0, $"run {run}: zdmqtt exited with {process.ExitCode} before the kill: {await stderr}");
            output.WriteLine($"run {run}: finished before the kill ({lines} lines)");
            return;
        }
        process.Kill(); // SIGKILL
        await process.WaitForExitAsync();
        output.WriteLine($"run {run} stderr: {await stderr}");
        output.WriteLine($"run {run}: killed {afterFirstRecord.TotalMilliseconds:0} ms after its first record, {lines} lines written");
    }

    // The log's last sequence number, as the next run recovers it (a torn last record cut off); 0 before the first run.
    private static long LastSequence(string dir, bool perRecord)
    {
        if (!Directory.Exists(dir)) return 0;
        using var log = CacheLog.Open(new FileCacheStorage(dir), out _, perRecord: perRecord);
        return log.LastSequence;
    }

    private static long CacheBytes(string dir)
        => Directory.Exists(dir) ? new DirectoryInfo(dir).GetFiles("seg-*.log").Sum(f => f.Length) : 0;

    // Nothing listens there; outside the ephemeral range, so no other socket takes it meanwhile (LoopbackPorts).
    private static int UnusedPort() => LoopbackPorts.Reserve();
}

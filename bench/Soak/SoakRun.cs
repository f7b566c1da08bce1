using System.Buffers.Binary;
using System.Diagnostics;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Soak;

/// <summary>
/// The fault soak: for each QoS, phase "network" publishes at full speed through a <see cref="ChaosProxy"/> that
/// pauses, black-holes and cuts the connection mid-packet; phase "broker" does the same while the broker is killed
/// with SIGKILL and restarted. A durable subscriber (clean session off, subscribed before the run) counts every
/// sequence number. Loss is attributed honestly: after kill -9 Mosquitto loses what it acknowledged but had not
/// saved yet (autosave every second), so a missing message acknowledged within that window before a kill is the
/// broker's loss; any other missing message is the client's, and fails the run.
/// </summary>
internal static class SoakRun
{
    private sealed record Settings(int Seconds, int Kills, int[] QoS, int Window, int Seed);

    public static async Task<int> MainAsync(string[] args)
    {
        var s = Parse(args);
        int unobserved = 0;
        TaskScheduler.UnobservedTaskException += (_, e) => { Interlocked.Increment(ref unobserved); e.SetObserved(); };
        Console.WriteLine($"soak: {s.Seconds} s per phase, {s.Kills} broker kills, QoS {string.Join(",", s.QoS)}, window {s.Window}, seed {s.Seed}");
        bool ok = true;
        foreach (int qos in s.QoS)
        {
            foreach (bool kills in new[] { false, true })
            {
                var result = await RunPhaseAsync((QualityOfService)qos, kills, s);
                Console.WriteLine(result.Describe());
                ok &= result.Passed;
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB; unobserved task exceptions {unobserved}");
        ok &= unobserved == 0;
        Console.WriteLine(ok ? "soak: PASS" : "soak: FAIL");
        return ok ? 0 : 1;
    }

    private static Settings Parse(string[] args)
    {
        int seconds = 60, kills = 20, window = 1024, seed = Environment.TickCount;
        int[] qos = [1, 2];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(args[++i]); break;
                case "--kills": kills = int.Parse(args[++i]); break;
                case "--window": window = int.Parse(args[++i]); break;
                case "--seed": seed = int.Parse(args[++i]); break;
                case "--qos": qos = [.. args[++i].Split(',').Select(int.Parse)]; break;
                default: throw new ArgumentException($"unknown option {args[i]}; use --seconds N --kills N --qos 1,2 --window N --seed N");
            }
        }
        return new Settings(seconds, kills, qos, window, seed);
    }

    private static async Task<PhaseResult> RunPhaseAsync(QualityOfService qos, bool killBroker, Settings s)
    {
        var random = new Random(s.Seed + (int)qos * 10 + (killBroker ? 1 : 0));
        const int AutosaveSeconds = 1;
        // A save under full load takes time of its own: the broker's loss window is the interval plus that.
        const int BrokerSaveMarginMs = 2000;
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions
        {
            Persistence = true,
            AutosaveIntervalSeconds = AutosaveSeconds,
            LogTypes = ["error", "warning"],
            MaxInflightMessages = 0,
        });
        await using var proxy = new ChaosProxy(broker.Port);
        string topic = $"soak/q{(int)qos}/{(killBroker ? "broker" : "network")}/{s.Seed}";
        var reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1) };

        var counts = new DeliveryTally();
        await using var subscriber = new MqttClient(new MqttClientOptions
        {
            Broker = new BrokerAddress("127.0.0.1", broker.Port, false),
            ClientId = $"soaksub{(int)qos}{(killBroker ? "k" : "n")}",
            CleanSession = false,
            KeepAliveSeconds = 5,
            Reconnect = reconnect,
            ReceiveBufferCapacity = 1_000_000,   // a full channel drops (the client's inbound policy): the count must see every message
        });
        await subscriber.ConnectAsync();
        await subscriber.SubscribeAsync(topic, qos);
        var reading = counts.ReadAsync(subscriber, static m => BinaryPrimitives.ReadInt64BigEndian(m.Payload.Span));

        await using var publisher = new MqttClient(new MqttClientOptions
        {
            Broker = new BrokerAddress("127.0.0.1", proxy.Port, false),
            ClientId = $"soakpub{(int)qos}{(killBroker ? "k" : "n")}",
            CleanSession = false,
            KeepAliveSeconds = 1,
            PingTimeout = TimeSpan.FromSeconds(1),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            MaxInFlight = s.Window,
            MaxInFlightQoS2 = Math.Min(s.Window, 256),
            Reconnect = reconnect,
        });
        await publisher.ConnectAsync();

        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(s.Seconds);
        var kills = new List<long>();
        using var stopChaos = new CancellationTokenSource();
        var chaos = ChaosAsync(proxy, broker, killBroker, s, random, clock, kills, stopChaos.Token);

        // Full speed: a ring of outstanding publishes, each slot with its own payload buffer (a payload must not
        // change until its publish completes).
        var topicName = TopicName.Create(topic);
        var slots = new ValueTask[s.Window * 4];
        var slotSeq = new long[slots.Length];
        var payloads = new byte[slots.Length][];
        for (int i = 0; i < payloads.Length; i++) payloads[i] = new byte[16];
        var sentAt = new List<int>(1 << 20);
        var ackedBy = new List<int>(1 << 20);
        long seq = 0;
        int failed = 0;
        for (int i = 0; clock.Elapsed < end; i = (i + 1) % slots.Length)
        {
            if (!await Settle(slots[i], slotSeq[i], ackedBy, clock)) failed++;
            BinaryPrimitives.WriteInt64BigEndian(payloads[i], seq);
            slotSeq[i] = seq;
            sentAt.Add((int)clock.ElapsedMilliseconds);
            ackedBy.Add(int.MaxValue);
            slots[i] = publisher.PublishAsync(topicName, payloads[i], qos);
            seq++;
        }
        stopChaos.Cancel();
        await chaos;
        if (broker.ProcessId is null) await broker.StartAgainAsync();
        for (int i = 0; i < slots.Length; i++)
            if (!await Settle(slots[i], slotSeq[i], ackedBy, clock)) failed++;
        long sent = seq;

        // Wait for the subscriber to catch up, bounded by progress rather than a fixed sleep.
        long lastDistinct = -1;
        var lastProgress = Stopwatch.StartNew();
        while (counts.Distinct < sent && lastProgress.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (counts.Distinct != lastDistinct) { lastDistinct = counts.Distinct; lastProgress.Restart(); }
            await counts.ChangedAsync(TimeSpan.FromMilliseconds(200));
        }

        var result = new PhaseResult(qos, killBroker, sent, failed, counts, kills.Count, proxy, publisher.Metrics.Connections);
        for (long m = 0; m < sent; m++)
        {
            if (counts.CountOf(m) > 0) continue;
            // Acknowledged somewhere in [sent, observed]; the broker may lose it if that span reaches into the
            // autosave window before a kill.
            int from = sentAt[(int)m], to = ackedBy[(int)m];
            bool brokerWindow = kills.Any(k => from <= k && to >= k - (AutosaveSeconds * 1000 + BrokerSaveMarginMs));
            if (brokerWindow) result.LostByBroker++;
            else if (result.LostByClient++ < 5)
                Console.WriteLine($"  lost by client: #{m} sent at {from} ms, acknowledged by {to} ms; kills at [{string.Join(", ", kills)}] ms");
        }
        await publisher.DisconnectAsync();
        await subscriber.DisconnectAsync();
        counts.Stop();
        await reading;
        return result;
    }

    private static async ValueTask<bool> Settle(ValueTask task, long seq, List<int> ackedBy, Stopwatch clock)
    {
        if (task == default) return true;
        try
        {
            await task;
            ackedBy[(int)seq] = (int)clock.ElapsedMilliseconds;
            return true;
        }
        catch (Exception e)
        {
            Console.WriteLine($"publish {seq} failed: {e.Message}");
            return false;
        }
    }

    private static async Task ChaosAsync(ChaosProxy proxy, MosquittoBroker broker, bool killBroker, Settings s, Random random,
        Stopwatch clock, List<long> kills, CancellationToken ct)
    {
        double killEvery = s.Seconds * 1000.0 / Math.Max(1, s.Kills);
        double nextKill = killEvery * (0.5 + random.NextDouble() * 0.5);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(random.Next(300, 1500), ct);
                if (killBroker && clock.ElapsedMilliseconds >= nextKill && kills.Count < s.Kills)
                {
                    kills.Add(clock.ElapsedMilliseconds);
                    await broker.Kill9Async();
                    await Task.Delay(random.Next(50, 500), ct);   // the broker is down for a moment: that is the fault
                    await broker.StartAgainAsync(ct);
                    nextKill = clock.ElapsedMilliseconds + killEvery * (0.4 + random.NextDouble() * 0.5);   // all kills fit the phase
                    continue;
                }
                switch (random.Next(3))
                {
                    case 0: proxy.Pause(TimeSpan.FromMilliseconds(random.Next(100, 1500))); break;
                    case 1: proxy.CutMidPacket(); break;
                    default: proxy.BlackHole(); break;
                }
            }
        }
        catch (OperationCanceledException) { }
    }
}

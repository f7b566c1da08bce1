using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// Many connections from one process (<c>--worker conn-ours|conn-mqttnet</c>; <c>--count</c> connections, <c>--window</c>
/// seconds of publishing): connects them all (64 at a time), measures memory once they are idle, then has each publish
/// one QoS 1 message a second, spread evenly over the second, and records publish-to-PUBACK times. Prints one CONN line.
/// </summary>
internal static class ManyConnectionsWorker
{
    private const int ConnectConcurrency = 64;
    private const int TicksPerSecond = 100;

    /// <summary>One connection the driver publishes on, whichever client it is.</summary>
    internal interface IPublisher
    {
        Task ConnectAsync();
        Task TrackPublish(LatencyRecorder recorder);
        Task DisconnectAsync();
    }

    public static async Task<string> RunAsync(WorkerArgs a, bool mqttnet)
    {
        int n = a.Count, seconds = a.Window;
        var payload = a.Payload();
        var factory = new MqttClientFactory();
        var clients = new IPublisher[n];
        for (int i = 0; i < n; i++)
            clients[i] = mqttnet ? new MqttNetPublisher(factory, a.Port, $"conn-{i}", $"{a.Topic}/{i}", payload) : new OursPublisher(a.Port, $"conn-{i}", $"{a.Topic}/{i}", payload);
        var (managedBefore, rssBefore) = Memory();

        var connecting = Stopwatch.StartNew();
        using (var gate = new SemaphoreSlim(ConnectConcurrency))
        {
            await Task.WhenAll(clients.Select(async c =>
            {
                await gate.WaitAsync().ConfigureAwait(false);
                try { await c.ConnectAsync().ConfigureAwait(false); }
                finally { gate.Release(); }
            })).ConfigureAwait(false);
        }
        double connectSeconds = connecting.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"{n} connected in {connectSeconds:0.0} s");
        await Task.Delay(2000).ConfigureAwait(false); // let the connects' transient buffers go before measuring the idle state
        var (managedIdle, rssIdle) = Memory();

        int total = n * seconds;
        var recorder = new LatencyRecorder(total);
        var cpuBefore = Cpu();
        var phase = Stopwatch.StartNew();
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / TicksPerSecond)))
        {
            // Tick k publishes on the connections i with i % TicksPerSecond == k % TicksPerSecond: one message per connection per second.
            for (int tick = 0; tick < seconds * TicksPerSecond; tick++)
            {
                for (int i = tick % TicksPerSecond; i < n; i += TicksPerSecond) _ = clients[i].TrackPublish(recorder);
                await timer.WaitForNextTickAsync().ConfigureAwait(false);
            }
        }
        await recorder.WaitForAsync(total, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        double phaseSeconds = phase.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"published for {phaseSeconds:0.0} s: {recorder.Count} acknowledged, {recorder.Failed} failed");
        double cpuSeconds = (Cpu() - cpuBefore).TotalSeconds;
        var disconnecting = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(c => c.DisconnectAsync())).ConfigureAwait(false);
        Console.Error.WriteLine($"disconnected in {disconnecting.Elapsed.TotalSeconds:0.0} s");

        return string.Join(' ', "CONN", n, F(connectSeconds), F((double)(managedIdle - managedBefore) / n), F((double)(rssIdle - rssBefore) / n),
            F(cpuSeconds), F(phaseSeconds), recorder.Count, recorder.Failed, recorder.Percentiles());
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static (long Managed, long Rss) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long managed = GC.GetTotalMemory(forceFullCollection: false);
        long rss = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return (managed, rss);
    }

    private static TimeSpan Cpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    internal sealed class OursPublisher(int port, string clientId, string topic, byte[] payload) : IPublisher
    {
        private readonly ZeroDepMqtt.Transport.MqttClient _client = new(new ZeroDepMqtt.Transport.MqttClientOptions
        {
            Broker = new BrokerAddress("127.0.0.1", port, useTls: false),
            ClientId = clientId,
            CleanSession = true,
        });
        private readonly TopicName _topic = TopicName.Create(topic);

        public Task ConnectAsync() => _client.ConnectAsync().AsTask();
        public Task TrackPublish(LatencyRecorder recorder)
        {
            long started = Stopwatch.GetTimestamp();
            return recorder.Track(_client.PublishAsync(_topic, payload, QualityOfService.AtLeastOnce), started);
        }
        public async Task DisconnectAsync() { await _client.DisconnectAsync().ConfigureAwait(false); await _client.DisposeAsync().ConfigureAwait(false); }
    }

    internal sealed class MqttNetPublisher(MqttClientFactory factory, int port, string clientId, string topic, byte[] payload) : IPublisher
    {
        private readonly IMqttClient _client = factory.CreateMqttClient();
        private readonly MQTTnet.MqttApplicationMessage _message = factory.CreateApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

        public Task ConnectAsync() => _client.ConnectAsync(factory.CreateClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).WithClientId(clientId).WithCleanSession(true).Build());
        public Task TrackPublish(LatencyRecorder recorder)
        {
            long started = Stopwatch.GetTimestamp();
            Task publish;
            try { publish = _client.PublishAsync(_message); }
            catch (MQTTnet.Exceptions.MqttClientNotConnectedException e) { publish = Task.FromException(e); }
            return recorder.Track(publish, started);
        }
        public async Task DisconnectAsync()
        {
            // A connection MQTTnet lost (Keep Alive missed on a starved machine) cannot be disconnected: the failures are counted already.
            try { await _client.DisconnectAsync().ConfigureAwait(false); }
            catch (MQTTnet.Exceptions.MqttClientNotConnectedException) { }
            _client.Dispose();
        }
    }
}

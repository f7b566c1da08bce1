using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// MQTTnet 5: sequential awaits (window 0), or a ring of <c>window</c> concurrent <c>PublishAsync</c> tasks.
/// One application message is built and reused, the cheapest way MQTTnet allows.
/// </summary>
internal static class MqttNetWorker
{
    public static async Task<WorkerResult> RunAsync(WorkerArgs a)
    {
        var factory = new MqttClientFactory();
        using var client = factory.CreateMqttClient();
        var options = factory.CreateClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", a.Port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId("bench-mqttnet")
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .Build();
        await client.ConnectAsync(options);
        var payload = a.Payload();
        var level = (MqttQualityOfServiceLevel)(int)a.QoS;
        var ring = new Task[Math.Max(a.Window, 1)];

        await PublishAsync(client, Message(factory, a.WarmupTopic, payload, level), a.Warmup, a.Window, ring);
        var meter = new PhaseMeter();
        meter.Start();
        await PublishAsync(client, Message(factory, a.Topic, payload, level), a.Count, a.Window, ring);
        var result = meter.Stop();
        await client.DisconnectAsync(factory.CreateClientDisconnectOptionsBuilder().Build());
        return result;
    }

    private static MqttApplicationMessage Message(MqttClientFactory factory, string topic, byte[] payload, MqttQualityOfServiceLevel level)
        => factory.CreateApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(level).Build();

    private static async Task PublishAsync(IMqttClient client, MqttApplicationMessage message, int count, int window, Task[] ring)
    {
        if (window == 0)
        {
            for (int i = 0; i < count; i++) await client.PublishAsync(message);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            int at = i % ring.Length;
            if (i >= ring.Length) await ring[at];
            ring[at] = client.PublishAsync(message);
        }
        for (int i = Math.Max(0, count - ring.Length); i < count; i++) await ring[i % ring.Length];
    }
}

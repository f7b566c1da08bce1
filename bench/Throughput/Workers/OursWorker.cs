using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// Our <see cref="MqttClient"/>: sequential awaits (window 0), or a ring of window × 4 pooled ValueTasks, each slot
/// awaited before it is reused, so up to window messages are in flight and the rest wait in the client's queue.
/// </summary>
internal static class OursWorker
{
    public static async Task<WorkerResult> RunAsync(WorkerArgs a)
    {
        int window = Math.Max(a.Window, 1);
        int ring = a.Window == 0 ? 1 : a.Window * 4;
        var options = new MqttClientOptions
        {
            Broker = new BrokerAddress("127.0.0.1", a.Port, useTls: false),
            ClientId = "bench-ours",
            CleanSession = true,
            MaxInFlight = Math.Max(window, 256),
            // The QoS 2 cap defaults to Mosquitto's default 20; the benchmark broker has no cap, so the window rules.
            MaxInFlightQoS2 = Math.Max(window, 20),
            MaxQueuedMessages = Math.Max(10_000, ring),
        };
        await using var client = new MqttClient(options);
        await client.ConnectAsync();
        var payload = a.Payload();
        var slots = new ValueTask[ring];

        await PublishAsync(client, TopicName.Create(a.WarmupTopic), payload, a.QoS, a.Warmup, a.Window, slots);
        using var sampler = AllocationSampler.StartIfAsked();
        var meter = new PhaseMeter();
        sampler?.Begin();
        long flushes = client.Metrics.Flushes;
        meter.Start();
        await PublishAsync(client, TopicName.Create(a.Topic), payload, a.QoS, a.Count, a.Window, slots);
        var result = meter.Stop(client.Metrics.Flushes - flushes);
        sampler?.Report();
        await client.DisconnectAsync();
        return result;
    }

    private static async ValueTask PublishAsync(MqttClient client, TopicName topic, byte[] payload, QualityOfService qos, int count, int window, ValueTask[] slots)
    {
        if (window == 0)
        {
            for (int i = 0; i < count; i++) await client.PublishAsync(topic, payload, qos);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            int at = i % slots.Length;
            if (i >= slots.Length) await slots[at];
            slots[at] = client.PublishAsync(topic, payload, qos);
        }
        for (int i = Math.Max(0, count - slots.Length); i < count; i++) await slots[i % slots.Length];
    }
}

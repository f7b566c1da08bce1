using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// Our <see cref="MqttClient"/>: sequential awaits (window 0), or a ring of window × 4 pooled ValueTasks, each slot
/// awaited before it is reused, so up to window messages are in flight and the rest wait in the client's queue.
/// Batched: <see cref="MqttClient.PublishManyAsync(TopicName, ReadOnlyMemory{ReadOnlyMemory{byte}}, QualityOfService, bool, CancellationToken)"/>
/// of window messages each, four batches outstanding, each awaited before its array is used again.
/// </summary>
internal static class OursWorker
{
    public static async Task<WorkerResult> RunAsync(WorkerArgs a, bool batched = false)
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
        Func<TopicName, int, ValueTask> publish = batched
            ? BatchPublisher(client, payload, a.QoS, window)
            : (topic, count) => PublishAsync(client, topic, payload, a.QoS, count, a.Window, slots);

        await publish(TopicName.Create(a.WarmupTopic), a.Warmup);
        using var sampler = AllocationSampler.StartIfAsked();
        var meter = new PhaseMeter();
        sampler?.Begin();
        long flushes = client.Metrics.Flushes;
        meter.Start();
        await publish(TopicName.Create(a.Topic), a.Count);
        var result = meter.Stop(client.Metrics.Flushes - flushes);
        sampler?.Report();
        await client.DisconnectAsync();
        return result;
    }

    private static Func<TopicName, int, ValueTask> BatchPublisher(MqttClient client, byte[] payload, QualityOfService qos, int size)
    {
        const int Outstanding = 4;
        var arrays = Enumerable.Range(0, Outstanding).Select(_ => Enumerable.Repeat((ReadOnlyMemory<byte>)payload, size).ToArray()).ToArray();
        var pending = new ValueTask[Outstanding];
        return async (topic, count) =>
        {
            int batches = 0;
            for (int sent = 0; sent < count; sent += size, batches++)
            {
                int at = batches % Outstanding;
                if (batches >= Outstanding) await pending[at];
                int n = Math.Min(size, count - sent);
                pending[at] = client.PublishManyAsync(topic, arrays[at].AsMemory(0, n), qos);
            }
            for (int b = Math.Max(0, batches - Outstanding); b < batches; b++) await pending[b % Outstanding];
        };
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

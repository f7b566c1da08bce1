using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>Batches through a real Mosquitto, checked by mosquitto_sub: every message, byte for byte, in call order.</summary>
[Collection(BrokerCollections.Plain)]
public sealed class MqttClientPublishManyMosquittoTests(PlainMosquittoFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private MosquittoBroker Broker => fixture.Broker;

    private static byte[] Payload(int i) => [(byte)(i >> 24), (byte)(i >> 16), (byte)(i >> 8), (byte)i, 0x00, 0xFF, 0x0D, 0x0A];

    [Theory]
    [InlineData(QualityOfService.AtMostOnce)]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    [Trait("spec", "MQTT-4.6.0-6")]
    public Task Batches_reach_mosquitto_sub_byte_for_byte_and_in_call_order(QualityOfService qos) => output.OnFailureAsync(Broker, async () =>
    {
        string topic = $"many/{qos}/{Guid.NewGuid():N}";
        await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 2);
        // A queue smaller than a batch: batches wait for room in part, between single publishes.
        var options = TestClients.Options(Broker, "many") with { CleanSession = true, MaxInFlight = 16, MaxQueuedMessages = 32 };
        await using var client = await TestClients.ConnectAsync(options);
        var tasks = new List<Task>();
        int next = 0;
        for (int round = 0; round < 10; round++)
        {
            int size = 10 + round * 7;
            var batch = Enumerable.Range(next, size).Select(i => (ReadOnlyMemory<byte>)Payload(i)).ToArray();
            tasks.Add(client.PublishManyAsync(topic, batch, qos).AsTask());
            next += size;
            tasks.Add(client.PublishAsync(topic, Payload(next++), qos).AsTask());
        }
        await Task.WhenAll(tasks).WaitAsync(Timeout);
        Assert.Equal(next, client.Metrics.Acknowledged);
        var received = await sub.WaitForAsync(next, Timeout);
        Assert.Equal(Enumerable.Range(0, next).Select(Payload), received.Select(m => m.Payload));
    });
}

using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using static ZeroDepMqtt.Transport.Tests.MqttClientLifecycleTests;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>A broker that answers a QoS 2 PUBLISH with PUBACK (RabbitMQ downgrades QoS 2 to QoS 1): each such publish
/// fails with a reason that names the cause, once, and is never re-sent; the connection stays up.</summary>
public sealed class MqttClientQoS2DowngradeTests : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private readonly UnobservedTaskExceptions _unobserved = new();

    /// <summary>No loop of the client may die with an exception nobody saw.</summary>
    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }

    private static byte[] PubAck(ushort id) => [0x40, 0x02, (byte)(id >> 8), (byte)id];

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    public async Task QoS_2_publishes_answered_with_PUBACK_fail_with_the_cause_and_are_not_resent()
    {
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Options(broker, "q2-down"));
        await using var owned = client;
        var raised = new List<MqttClientException>();
        client.QoS2NotSupported += e => { lock (raised) raised.Add(e); };
        var publishes = Enumerable.Range(0, 3).Select(i => client.PublishAsync("q", new[] { (byte)i }, QualityOfService.ExactlyOnce).AsTask()).ToList();
        for (int i = 0; i < 3; i++)
        {
            var (first, body) = await peer.ReadPacketAsync();
            var p = WirePublish.Parse(first, body);
            Assert.Equal(2, p.QoS);
            await peer.WriteAsync(PubAck(p.PacketId));
        }
        foreach (var publish in publishes)
        {
            var e = await Assert.ThrowsAsync<MqttClientException>(() => publish.Within(Short, "the downgraded publish ended"));
            Assert.Equal(MqttCloseReason.QoS2NotSupported, e.Reason);
            Assert.Contains("answered a QoS 2 PUBLISH with PUBACK: it does not support QoS 2 (RabbitMQ downgrades to QoS 1)", e.Message);
        }

        // Nothing is re-sent and the connection stays: the next packet is the next publish, on the same connection.
        var next = client.PublishAsync("q", "after"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var (f, b) = await peer.ReadPacketAsync();
        var after = WirePublish.Parse(f, b);
        Assert.Equal("after"u8.ToArray(), after.Payload);
        await peer.WriteAsync(after.Ack()!);
        await next.Within(Short, "the QoS 1 publish completed");
        Assert.Equal(1, client.Metrics.Connections);
        Assert.True(client.IsConnected);
        lock (raised) Assert.Single(raised);
        Assert.Equal(1, client.Metrics.Acknowledged);   // only the QoS 1 publish counts as acknowledged
        peer.Dispose();
    }
}

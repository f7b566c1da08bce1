using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using static ZeroDepMqtt.Transport.Tests.MqttClientLifecycleTests;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>
/// Exactly-once across a reconnect that keeps the session (CleanSession=false, Session Present 1), both ways, against a
/// scripted broker that replays what a broker restarted from its saved state sends: the QoS 2 state of the client's
/// session (MQTT-4.4.0-1) must survive the reconnect.
/// </summary>
public sealed class MqttClientQoS2ReconnectTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private static readonly byte[] ConnAckSessionPresent = [0x20, 0x02, 0x01, 0x00];
    private readonly UnobservedTaskExceptions _unobserved = new();

    /// <summary>No loop of the client may die with an exception nobody saw.</summary>
    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }

    private static MqttClientOptions Durable(ScriptedBroker broker, string id) => Options(broker, id) with
    {
        CleanSession = false,
        Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) },
    };

    /// <summary>PUBLISH QoS 2, topic "q", packet id 7, payload "m".</summary>
    private static byte[] Publish(bool dup) => [(byte)(dup ? 0x3C : 0x34), 0x06, 0x00, 0x01, (byte)'q', 0x00, 0x07, (byte)'m'];

    private static async Task<ScriptedConnection> ReconnectAsync(ScriptedBroker broker, ScriptedConnection old)
    {
        old.Dispose();
        var peer = await broker.AcceptConnectAsync();
        await peer.WriteAsync(ConnAckSessionPresent);
        return peer;
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-2")]
    [Trait("spec", "MQTT-4.4.0-1")]
    public async Task A_QoS_2_message_received_before_a_reconnect_that_kept_the_session_is_not_delivered_again()
    {
        // The broker sent the PUBLISH, the client answered PUBREC, the connection dropped before PUBREL; the broker
        // kept the session (Session Present 1) and sends the PUBLISH again, with DUP (MQTT-3.3.1-1). Until PUBREL the
        // id names the same message: acknowledged, not delivered twice (MQTT-4.3.3-2). (DUP 0 on a held id is a new
        // message from a broker that lost its state, e.g. restarted from an older save: ClientSessionInboundQoS2Tests.)
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Durable(broker, "q2-sub"));
        await using var owned = client;
        await peer.WriteAsync(Publish(dup: false));
        Assert.Equal([0x00, 0x07], await peer.ReadUntilAsync(0x50));   // PUBREC 7
        var first = await client.Messages.ReadAsync().AsTask().Within(Short, "the message was delivered");
        Assert.Equal("m"u8.ToArray(), first.Payload.ToArray());

        peer = await ReconnectAsync(broker, peer);
        await peer.WriteAsync(Publish(dup: true));
        Assert.Equal([0x00, 0x07], await peer.ReadUntilAsync(0x50));   // acknowledged again
        await peer.WriteAsync(0x62, 0x02, 0x00, 0x07);                   // PUBREL 7
        Assert.Equal([0x00, 0x07], await peer.ReadUntilAsync(0x70));   // PUBCOMP 7: everything before it was processed
        output.WriteLine($"delivered after the reconnect: {client.Messages.Count}");
        Assert.False(client.Messages.TryRead(out _), "the re-sent PUBLISH was delivered a second time");
        peer.Dispose();
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    [Trait("spec", "MQTT-4.4.0-1")]
    public async Task A_QoS_2_publish_whose_PUBREC_arrived_is_released_with_PUBREL_after_a_reconnect_never_published_again()
    {
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Durable(broker, "q2-pub"));
        await using var owned = client;
        var publish = client.PublishAsync("q", "m"u8.ToArray(), QualityOfService.ExactlyOnce).AsTask();
        var (f, body) = await peer.ReadPacketAsync();
        var sent = WirePublish.Parse(f, body);
        Assert.False(sent.Dup);
        await peer.WriteAsync(sent.Ack()!);                       // PUBREC
        Assert.Equal([(byte)(sent.PacketId >> 8), (byte)sent.PacketId], await peer.ReadUntilAsync(0x62));   // PUBREL

        peer = await ReconnectAsync(broker, peer);
        var (first, again) = await peer.ReadPacketAsync();
        Assert.Equal(0x62, first);                                // PUBREL again, not the PUBLISH (MQTT-4.3.3-1)
        Assert.Equal([(byte)(sent.PacketId >> 8), (byte)sent.PacketId], again);
        await peer.WriteAsync(0x70, 0x02, again[0], again[1]);   // PUBCOMP
        await publish.Within(Short, "the publish completed");
        peer.Dispose();
    }

    [Fact]
    [Trait("spec", "MQTT-3.3.1-1")]
    [Trait("spec", "MQTT-4.4.0-1")]
    public async Task A_QoS_2_publish_not_yet_PUBRECd_is_sent_again_with_DUP_and_its_id_after_a_reconnect()
    {
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Durable(broker, "q2-dup"));
        await using var owned = client;
        var publish = client.PublishAsync("q", "m"u8.ToArray(), QualityOfService.ExactlyOnce).AsTask();
        var (f, body) = await peer.ReadPacketAsync();
        var sent = WirePublish.Parse(f, body);

        peer = await ReconnectAsync(broker, peer);
        var (f2, body2) = await peer.ReadPacketAsync();
        var again = WirePublish.Parse(f2, body2);
        Assert.True(again.Dup);
        Assert.Equal(sent.PacketId, again.PacketId);
        await peer.WriteAsync(again.Ack()!);
        var release = await peer.ReadUntilAsync(0x62);
        await peer.WriteAsync(0x70, 0x02, release[0], release[1]);
        await publish.Within(Short, "the publish completed");
        peer.Dispose();
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-2")]
    public async Task A_QoS_2_message_framed_before_a_bad_packet_in_the_same_read_is_still_delivered_once()
    {
        // One read holds the PUBLISH and then a packet a client never receives (PINGREQ). The session took the PUBLISH
        // (its id is held until PUBREL, so the broker's re-send after the reconnect is not delivered again): the
        // message must reach Messages although the read ends in a protocol error.
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Durable(broker, "q2-bad"));
        await using var owned = client;
        await peer.WriteAsync([.. Publish(dup: false), 0xC0, 0x00]);
        var message = await client.Messages.ReadAsync().AsTask().Within(Short, "the message framed before the bad packet was delivered");
        Assert.Equal("m"u8.ToArray(), message.Payload.ToArray());

        peer = await ReconnectAsync(broker, peer);
        await peer.WriteAsync(Publish(dup: true));
        await peer.ReadUntilAsync(0x50);
        await peer.WriteAsync(0x62, 0x02, 0x00, 0x07);
        await peer.ReadUntilAsync(0x70);
        Assert.False(client.Messages.TryRead(out _), "the re-sent PUBLISH was delivered a second time");
        peer.Dispose();
    }
}

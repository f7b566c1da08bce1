using System.Buffers;
using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>The QoS 2 receiver: a repeat is acknowledged but not delivered twice; a sender that forgot the flow is not.</summary>
public sealed class ClientSessionInboundQoS2Tests
{
    private static ClientSession Connected()
    {
        var session = new ClientSession(new ClientSessionOptions { ClientId = "c", CleanSession = false });
        session.ConnectionUp(TimeSpan.Zero);
        session.WriteOutgoing(new ArrayBufferWriter<byte>(), TimeSpan.Zero);
        Assert.False(Receive(session, [0x20, 0x02, 0x01, 0x00]));
        return session;
    }

    /// <summary>PUBLISH QoS 2, topic "t", id 7, payload "p".</summary>
    private static byte[] Publish(bool dup) => [(byte)(dup ? 0x3C : 0x34), 0x06, 0x00, 0x01, (byte)'t', 0x00, 0x07, (byte)'p'];

    private static bool Receive(ClientSession session, byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttFrameReader.TryRead(ref buffer, 1 << 20, out var frame));
        return session.Receive(frame, TimeSpan.Zero, out _);
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-2")]
    public void Repeat_with_DUP_before_PUBREL_is_not_delivered_again()
    {
        var session = Connected();
        Assert.True(Receive(session, Publish(dup: false)));
        Assert.False(Receive(session, Publish(dup: true)));
        Assert.False(Receive(session, Publish(dup: true)));
        Receive(session, [0x62, 0x02, 0x00, 0x07]); // PUBREL: the id now starts a new message
        Assert.True(Receive(session, Publish(dup: true)));
    }

    [Fact]
    [Trait("spec", "MQTT-3.3.1-1")]
    public void DUP_0_on_an_id_awaiting_PUBREL_is_a_new_message()
    {
        // A re-delivery always has DUP=1 (MQTT-3.3.1-1), so DUP=0 here comes from a sender that lost the flow, such as
        // a broker restarted from an older save that still reports the session: dropping it would lose a message.
        var session = Connected();
        Assert.True(Receive(session, Publish(dup: false)));
        Assert.True(Receive(session, Publish(dup: false)));
        Assert.False(Receive(session, Publish(dup: true)));
    }
}

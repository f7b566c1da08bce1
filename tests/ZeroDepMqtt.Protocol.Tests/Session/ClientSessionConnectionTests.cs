using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class ClientSessionConnectionTests
{
    private const QualityOfService Q1 = QualityOfService.AtLeastOnce;

    [Fact]
    [Trait("spec", "MQTT-3.1.0-1")]
    public void Connect_is_the_only_packet_written_until_connack()
    {
        var b = new FakeBroker(FakeBroker.Options(keepAlive: 10));
        b.Publish(1, QualityOfService.AtMostOnce);
        b.Publish(2, Q1);
        Assert.True(b.Session.TrySubscribe([new Subscription("a/#", Q1)], "s"));
        b.Session.ConnectionUp(b.Now);

        var first = b.Flush();
        Assert.Equal(PacketType.Connect, Assert.Single(first).Type);
        Assert.False(first[0].CleanSession);
        b.Now += TimeSpan.FromSeconds(20);   // Keep Alive elapsed: still no PINGREQ before CONNACK
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        Assert.False(b.Session.HasOutgoing);
        Assert.Empty(b.Flush());

        b.ConnAck(false);
        var after = b.Flush();
        Assert.Equal([PacketType.Publish, PacketType.Publish, PacketType.Subscribe], after.Select(p => p.Type));
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.0-1")]
    [Trait("spec", "MQTT-3.1.2-4")]
    public void After_a_reconnect_with_pending_publishes_connect_is_still_alone_until_connack()
    {
        var b = new FakeBroker();
        b.Connect();
        for (int i = 0; i < 3; i++) b.Publish(i, Q1);
        Assert.Equal(3, b.Flush().Count);
        b.Session.ConnectionLost();
        for (int i = 3; i < 6; i++) b.Publish(i, Q1);
        Assert.Equal(3, b.Session.InFlightCount);    // state survives the lost connection (MQTT-3.1.2-4)

        b.Session.ConnectionUp(b.Now);
        Assert.Equal(PacketType.Connect, Assert.Single(b.Flush()).Type);
        Assert.Empty(b.Flush());
        b.ConnAck(true);
        var after = b.Flush();
        Assert.Equal([0, 1, 2, 3, 4, 5], after.Select(p => p.Tag));
    }

    [Fact]
    public void Connack_timeout_is_reported_from_when_connect_was_written()
    {
        var b = new FakeBroker(FakeBroker.Options() with { ConnAckTimeout = TimeSpan.FromSeconds(5) });
        b.Session.ConnectionUp(b.Now);
        b.Now += TimeSpan.FromSeconds(2);
        b.Flush();
        Assert.Equal(b.Now + TimeSpan.FromSeconds(5), b.Session.NextDeadline);
        b.Now += TimeSpan.FromSeconds(4.999);
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        b.Now += TimeSpan.FromMilliseconds(1);
        Assert.Equal(SessionTimeout.ConnAck, b.Session.Tick(b.Now));
    }

    [Theory]
    [Trait("spec", "MQTT-3.2.0-1")]
    [InlineData(new byte[] { 0x40, 2, 0, 1 })]          // PUBACK
    [InlineData(new byte[] { 0xD0, 0 })]                // PINGRESP
    [InlineData(new byte[] { 0x30, 5, 0, 1, (byte)'t', 1, 2 })]   // PUBLISH QoS 0
    [InlineData(new byte[] { 0x90, 3, 0, 1, 0 })]       // SUBACK
    public void A_packet_other_than_connack_first_is_a_protocol_violation(byte[] packet)
    {
        var b = new FakeBroker();
        b.Session.ConnectionUp(b.Now);
        b.Flush();
        var e = Assert.Throws<MqttProtocolException>(() => b.SendRaw(packet));
        Assert.Equal("MQTT-3.2.0-1", e.SpecId);
    }

    [Fact]
    [Trait("spec", "MQTT-3.2.0-1")]
    public void A_second_connack_is_a_protocol_violation()
    {
        var b = new FakeBroker();
        b.Connect();
        var e = Assert.Throws<MqttProtocolException>(() => b.ConnAck(false));
        Assert.Equal(MqttErrorReason.UnexpectedPacket, e.Reason);
    }

    [Fact]
    [Trait("spec", "MQTT-3.2.2-5")]
    public void A_refused_connack_reports_the_code_disconnects_and_keeps_publishes_queued()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(1, Q1);
        b.Publish(2, QualityOfService.ExactlyOnce);
        b.Flush();
        b.Publish(3, Q1);
        b.Session.ConnectionLost();
        b.Events();

        b.Session.ConnectionUp(b.Now);
        b.Flush();
        b.ConnAck(false, ConnectReturnCode.NotAuthorized);

        var refused = Assert.Single(b.Events());
        Assert.Equal(SessionEventKind.ConnectionRefused, refused.Kind);
        Assert.Equal(ConnectReturnCode.NotAuthorized, refused.ReturnCode);
        Assert.Equal(SessionState.Disconnected, b.Session.State);
        Assert.Equal(2, b.Session.InFlightCount);
        Assert.Equal(1, b.Session.QueuedCount);
        Assert.False(b.Session.HasOutgoing);

        b.Connect(sessionPresent: true);
        Assert.Equal([1, 2, 3], b.Flush().Select(p => p.Tag));
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.1")]
    [Trait("spec", "MQTT-4.8.0-1")]
    [InlineData(new byte[] { 0x10, 12, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 60, 0, 0 })]  // CONNECT
    [InlineData(new byte[] { 0x82, 6, 0, 1, 0, 1, (byte)'a', 0 })]   // SUBSCRIBE
    [InlineData(new byte[] { 0xA2, 5, 0, 1, 0, 1, (byte)'a' })]      // UNSUBSCRIBE
    [InlineData(new byte[] { 0xC0, 0 })]                             // PINGREQ
    [InlineData(new byte[] { 0xE0, 0 })]                             // DISCONNECT
    public void A_client_to_server_packet_type_is_a_protocol_violation(byte[] packet)
    {
        var b = new FakeBroker();
        b.Connect();
        var e = Assert.Throws<MqttProtocolException>(() => b.SendRaw(packet));
        Assert.Equal(MqttErrorReason.InvalidPacketType, e.Reason);
        Assert.Equal("MQTT-2.2.1", e.SpecId);
    }

    [Fact]
    public void Misuse_throws_invalid_operation()
    {
        var b = new FakeBroker();
        Assert.Throws<InvalidOperationException>(() => b.PingResp());   // no connection
        b.Session.ConnectionUp(b.Now);
        Assert.Throws<InvalidOperationException>(() => b.Session.ConnectionUp(b.Now));
        b.Session.ConnectionLost();
        b.Session.ConnectionLost();   // idempotent
        Assert.Equal(SessionState.Disconnected, b.Session.State);
    }

    [Fact]
    [Trait("spec", "MQTT-3.14.4-2")]
    public void After_disconnect_nothing_more_is_written_even_with_queued_publishes()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 1, keepAlive: 5));
        b.Connect();
        b.Publish(1, Q1);
        b.Publish(2, Q1);   // waits for the window
        b.Session.RequestDisconnect();
        var sent = b.Flush();
        Assert.Equal([PacketType.Publish, PacketType.Disconnect], sent.Select(p => p.Type));
        Assert.Equal(SessionState.Disconnecting, b.Session.State);

        b.PubAck(sent[0].PacketId);            // opens the window; a QoS 1 publish to answer
        b.PublishToClient(7, Q1, 70);
        b.Publish(3, QualityOfService.AtMostOnce);
        Assert.True(b.Session.TrySubscribe([new Subscription("a", Q1)], null));
        b.Now += TimeSpan.FromSeconds(60);
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        Assert.False(b.Session.HasOutgoing);
        Assert.Empty(b.Flush());

        // The unsent publishes are still the session's: the next connection sends them.
        b.Reconnect(sessionPresent: true);
        Assert.Equal([2, 3], b.Flush().Where(p => p.Type == PacketType.Publish).Select(p => p.Tag));
    }

    [Fact]
    [Trait("spec", "MQTT-3.14.4-2")]
    public void Disconnect_requested_before_connack_is_written_after_connack_and_last()
    {
        var b = new FakeBroker();
        b.Session.ConnectionUp(b.Now);
        b.Session.RequestDisconnect();
        Assert.Equal(PacketType.Connect, Assert.Single(b.Flush()).Type);
        b.ConnAck(false);
        b.Publish(1, QualityOfService.AtMostOnce);
        var sent = b.Flush();
        Assert.Equal(PacketType.Disconnect, sent[^1].Type);
        Assert.Empty(b.Flush());
    }

    [Fact]
    [Trait("spec", "MQTT-3.2.2-1")]
    [Trait("spec", "MQTT-3.1.2-6")]
    public void Session_present_on_a_clean_session_is_not_trusted_in_flight_messages_restart_fresh()
    {
        var b = new FakeBroker(FakeBroker.Options(cleanSession: true));
        b.Connect();
        b.Publish(0, Q1);
        b.Flush();
        b.Session.ConnectionLost();
        b.Session.ConnectionUp(b.Now);
        Assert.True(Assert.Single(b.Flush()).CleanSession);
        b.ConnAck(sessionPresent: true);      // a broker breaking MQTT-3.2.2-1: carry on as if it kept nothing
        var e = Assert.Single(b.Events());
        Assert.Equal((SessionEventKind.Connected, true), (e.Kind, e.SessionPresent));
        var p = Assert.Single(b.Flush());
        Assert.Equal((0, false), (p.Tag, p.Dup));
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-22")]
    public void New_credentials_apply_to_the_next_connect_written_and_invalid_ones_change_nothing()
    {
        var b = new FakeBroker(FakeBroker.Options(keepAlive: 42) with { UserName = "old" });
        b.Session.ConnectionUp(b.Now);
        var first = Assert.Single(b.Flush());
        Assert.Equal(("old", (ushort)42), (first.UserName, first.KeepAlive));

        b.Session.ConnectionLost();
        b.Session.ConnectionUp(b.Now);
        b.Session.SetCredentials("new", "token"u8.ToArray());   // e.g. a SAS token renewed while reconnecting
        Assert.Equal("new", Assert.Single(b.Flush()).UserName);

        Assert.ThrowsAny<ArgumentException>(() => b.Session.SetCredentials(null, "p"u8.ToArray()));
        b.Session.ConnectionLost();
        b.Session.ConnectionUp(b.Now);
        Assert.Equal("new", Assert.Single(b.Flush()).UserName);
    }
}

using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class ClientSessionQoSFlowTests
{
    private const QualityOfService Q0 = QualityOfService.AtMostOnce;
    private const QualityOfService Q1 = QualityOfService.AtLeastOnce;
    private const QualityOfService Q2 = QualityOfService.ExactlyOnce;

    [Fact]
    [Trait("spec", "MQTT-4.3.1-1")]
    public void Qos0_completes_when_written_and_is_never_in_flight()
    {
        var b = new FakeBroker();
        b.Publish(5, Q0, retain: true);
        Assert.Empty(b.Events());
        b.Connect();
        var p = Assert.Single(b.Flush());
        Assert.Equal((Q0, (ushort)0, false, true, 5), (p.QoS, p.PacketId, p.Dup, p.Retain, p.Tag));
        Assert.Equal([5], FakeBroker.Tags(b.Events(), SessionEventKind.PublishCompleted));
        Assert.Equal(0, b.Session.InFlightCount);
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.2-1")]
    public void Qos1_completes_only_at_puback()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(7, Q1);
        var p = Assert.Single(b.Flush());
        Assert.Equal((PacketType.Publish, Q1, false, "t/x"), (p.Type, p.QoS, p.Dup, p.Topic));
        Assert.Empty(b.Events());
        b.PingResp();
        b.PubAck((ushort)(p.PacketId + 1));   // someone else's id: ignored
        Assert.Empty(b.Events());

        b.PubAck(p.PacketId);
        var e = Assert.Single(b.Events());
        Assert.Equal((SessionEventKind.PublishCompleted, (object)7), (e.Kind, e.State!));
        Assert.Equal(0, b.Session.InFlightCount);

        b.PubAck(p.PacketId);                 // a late duplicate: ignored, nothing completes twice
        Assert.Empty(b.Events());
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    public void Qos2_flows_publish_pubrec_pubrel_pubcomp_and_completes_at_pubcomp()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(9, Q2);
        var p = Assert.Single(b.Flush());
        Assert.Equal((PacketType.Publish, Q2), (p.Type, p.QoS));

        b.PubRec(p.PacketId);
        Assert.Empty(b.Events());
        var rel = Assert.Single(b.Flush());
        Assert.Equal((PacketType.PubRel, p.PacketId), (rel.Type, rel.PacketId));

        b.PubRec(p.PacketId);                 // a repeated PUBREC gets another PUBREL, never the PUBLISH
        var again = Assert.Single(b.Flush());
        Assert.Equal((PacketType.PubRel, p.PacketId), (again.Type, again.PacketId));
        Assert.Empty(b.Events());

        b.PubComp(p.PacketId);
        Assert.Equal([9], FakeBroker.Tags(b.Events(), SessionEventKind.PublishCompleted));
        Assert.Equal(0, b.Session.InFlightCount);
        b.PubComp(p.PacketId);
        Assert.Empty(b.Events());
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    [Trait("spec", "MQTT-4.4.0-1")]
    public void After_pubrec_a_reconnect_resends_pubrel_not_publish()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(9, Q2);
        ushort id = Assert.Single(b.Flush()).PacketId;
        b.PubRec(id);
        b.Session.ConnectionLost();            // the PUBREL never went out

        b.Connect(sessionPresent: true);
        var resent = Assert.Single(b.Flush());
        Assert.Equal((PacketType.PubRel, id), (resent.Type, resent.PacketId));
        b.PubComp(id);
        Assert.Equal([9], FakeBroker.Tags(b.Events(), SessionEventKind.PublishCompleted));
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    public void Puback_for_a_qos2_publish_ends_it_downgraded_frees_its_id_and_is_never_resent()
    {
        // A broker without QoS 2 (RabbitMQ) answers PUBACK: the publish ends with its own event, not completed and not
        // sent again (a re-send would meet the same answer), and the connection goes on.
        var b = new FakeBroker();
        b.Connect();
        b.Publish(1, Q2);
        b.Publish(2, Q1);
        var sent = b.Flush();
        b.PubAck(sent[0].PacketId);
        b.PubAck(sent[1].PacketId);
        var events = b.Events();
        Assert.Equal([1], FakeBroker.Tags(events, SessionEventKind.PublishDowngraded));
        Assert.Equal([2], FakeBroker.Tags(events, SessionEventKind.PublishCompleted));
        Assert.Equal(0, b.Session.InFlightCount);
        b.Reconnect(sessionPresent: true);
        Assert.Empty(b.Flush());
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.2-1")]
    public void Puback_for_a_qos2_id_past_pubrec_is_a_protocol_violation()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(1, Q2);
        ushort id = Assert.Single(b.Flush()).PacketId;
        b.PubRec(id);
        var e = Assert.Throws<MqttProtocolException>(() => b.PubAck(id));
        Assert.Equal(MqttErrorReason.UnexpectedPacket, e.Reason);
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    public void Pubrec_for_a_qos1_id_and_pubcomp_before_pubrec_are_protocol_violations()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(1, Q1);
        b.Publish(2, Q2);
        var sent = b.Flush();
        Assert.Throws<MqttProtocolException>(() => b.PubRec(sent[0].PacketId));
        Assert.Throws<MqttProtocolException>(() => b.PubComp(sent[1].PacketId));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-6")]
    public void Pubrec_for_an_unknown_id_is_released_and_pubcomp_for_an_unknown_id_ignored()
    {
        var b = new FakeBroker();
        b.Connect();
        b.PubRec(77);
        var rel = Assert.Single(b.Flush());
        Assert.Equal((PacketType.PubRel, (ushort)77), (rel.Type, rel.PacketId));
        b.PubComp(77);
        Assert.Empty(b.Flush());
        Assert.Empty(b.Events());
    }

    [Fact]
    [Trait("spec", "MQTT-4.5.0-2")]
    [Trait("spec", "MQTT-3.3.4-1")]
    [Trait("spec", "MQTT-4.6.0-2")]
    [Trait("spec", "MQTT-4.6.0-3")]
    public void Inbound_qos1_gets_puback_and_qos2_pubrec_in_arrival_order()
    {
        var b = new FakeBroker();
        b.Connect();
        var delivered = new List<int?>
        {
            b.PublishToClient(0, Q0, 100)?.Tag,
            b.PublishToClient(30, Q1, 101)?.Tag,
            b.PublishToClient(10, Q2, 102)?.Tag,
            b.PublishToClient(20, Q1, 103)?.Tag,
            b.PublishToClient(5, Q1, 104)?.Tag,
        };
        Assert.Equal([100, 101, 102, 103, 104], delivered);
        var acks = b.Flush();
        Assert.Equal(
            [(PacketType.PubAck, (ushort)30), (PacketType.PubRec, (ushort)10), (PacketType.PubAck, (ushort)20), (PacketType.PubAck, (ushort)5)],
            acks.Select(p => (p.Type, p.PacketId)));
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-2")]
    public void Inbound_qos2_duplicate_is_delivered_once_and_after_pubcomp_the_id_is_a_new_message()
    {
        var b = new FakeBroker();
        b.Connect();
        Assert.Equal(1, b.PublishToClient(42, Q2, 1)?.Tag);
        Assert.Null(b.PublishToClient(42, Q2, 1, dup: true));     // the broker's retry: acknowledged, not delivered
        Assert.Equal([PacketType.PubRec, PacketType.PubRec], b.Flush().Select(p => p.Type));

        b.PubRel(42);
        var comp = Assert.Single(b.Flush());
        Assert.Equal((PacketType.PubComp, (ushort)42), (comp.Type, comp.PacketId));

        Assert.Equal(2, b.PublishToClient(42, Q2, 2)?.Tag);       // released: a new message
        b.PubRel(999);                                            // unknown: still answered
        Assert.Equal([(PacketType.PubRec, (ushort)42), (PacketType.PubComp, (ushort)999)], b.Flush().Select(p => (p.Type, p.PacketId)));
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-2")]
    [Trait("spec", "MQTT-3.1.2-4")]
    public void Inbound_qos2_state_survives_a_reconnect_with_a_kept_session_and_is_dropped_without()
    {
        var b = new FakeBroker();
        b.Connect();
        Assert.NotNull(b.PublishToClient(42, Q2, 1));
        b.Reconnect(sessionPresent: true);
        Assert.Null(b.PublishToClient(42, Q2, 1, dup: true));
        b.Reconnect(sessionPresent: false);
        Assert.NotNull(b.PublishToClient(42, Q2, 1));
    }

    [Theory]
    [Trait("spec", "MQTT-2.3.1-1")]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public void Inbound_publish_with_id_zero_is_a_protocol_violation(QualityOfService qos)
    {
        var b = new FakeBroker();
        b.Connect();
        var e = Assert.Throws<MqttProtocolException>(() => b.SendRaw((byte)(0x30 | ((int)qos << 1)), 5, 0, 1, (byte)'t', 0, 0));
        Assert.Equal("MQTT-2.3.1-1", e.SpecId);
        Assert.Empty(b.Flush());
    }
}

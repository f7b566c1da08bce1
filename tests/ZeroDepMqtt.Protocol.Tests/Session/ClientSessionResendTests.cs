using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class ClientSessionResendTests
{
    private const QualityOfService Q0 = QualityOfService.AtMostOnce;
    private const QualityOfService Q1 = QualityOfService.AtLeastOnce;
    private const QualityOfService Q2 = QualityOfService.ExactlyOnce;

    /// <summary>
    /// Tags 0..5 alternate QoS 1 / QoS 2 and are all written; the broker then PUBRECs tags 5, 1 (in that order)
    /// and PUBACKs tag 2. Left unacknowledged: PUBLISH 0, 3, 4 and PUBREL 5, 1.
    /// </summary>
    private static (FakeBroker Broker, Dictionary<int, ushort> Ids) SixInFlight(ClientSessionOptions options)
    {
        var b = new FakeBroker(options);
        b.Connect();
        for (int i = 0; i < 6; i++) b.Publish(i, i % 2 == 0 ? Q1 : Q2);
        var ids = b.Flush().ToDictionary(p => p.Tag, p => p.PacketId);
        b.PubRec(ids[5]);
        b.PubRec(ids[1]);
        b.PubAck(ids[2]);
        Assert.Equal(2, b.Flush().Count);   // the two PUBRELs
        b.Publish(6, Q0);
        b.Publish(7, Q1);
        b.Session.ConnectionLost();          // 6 and 7 were never written
        b.Publish(8, Q1);
        return (b, ids);
    }

    [Fact]
    [Trait("spec", "MQTT-3.3.1-1")]
    [Trait("spec", "MQTT-4.4.0-1")]
    [Trait("spec", "MQTT-4.6.0-1")]
    [Trait("spec", "MQTT-4.6.0-4")]
    [Trait("spec", "MQTT-3.1.2-4")]
    public void Kept_session_resends_pubrel_in_pubrec_order_then_publish_with_dup_and_original_ids_then_new()
    {
        var (b, ids) = SixInFlight(FakeBroker.Options());
        Assert.Equal(5, b.Session.InFlightCount);
        Assert.Equal(3, b.Session.QueuedCount);
        b.Events();

        b.Connect(sessionPresent: true);
        var sent = b.Flush();
        Assert.Equal(
            [
                (PacketType.PubRel, ids[5], false, -1), (PacketType.PubRel, ids[1], false, -1),
                (PacketType.Publish, ids[0], true, 0), (PacketType.Publish, ids[3], true, 3), (PacketType.Publish, ids[4], true, 4),
                (PacketType.Publish, (ushort)0, false, 6),
            ],
            sent.Take(6).Select(p => (p.Type, p.PacketId, p.Dup, p.Tag)));
        Assert.Equal([(7, false), (8, false)], sent.Skip(6).Select(p => (p.Tag, p.Dup)));
        Assert.DoesNotContain(sent.Skip(6), p => ids.ContainsValue(p.PacketId) && p.PacketId != ids[2]);
        Assert.Equal([Q1, Q2, Q1], sent.Skip(2).Take(3).Select(p => p.QoS));
        Assert.Equal(5, b.Session.ResentCount);   // 2 PUBREL + 3 PUBLISH, the "resent" metric
    }

    [Fact]
    [Trait("spec", "MQTT-3.3.1-1")]
    public void A_second_reconnect_resends_again_with_dup()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(0, Q1);
        ushort id = Assert.Single(b.Flush()).PacketId;
        for (int i = 0; i < 2; i++)
        {
            b.Reconnect(sessionPresent: true);
            var p = Assert.Single(b.Flush());
            Assert.Equal((id, true, 0), (p.PacketId, p.Dup, p.Tag));
        }
    }

    [Theory]
    [Trait("spec", "MQTT-3.2.2-3")]
    [Trait("spec", "MQTT-3.1.2-6")]
    [InlineData(false)]   // CleanSession 0, but the broker lost the session (SP=0)
    [InlineData(true)]    // CleanSession 1: the broker never keeps it
    public void Lost_session_resends_everything_unacknowledged_as_fresh_publishes_in_acceptance_order(bool cleanSession)
    {
        var (b, ids) = SixInFlight(FakeBroker.Options(cleanSession: cleanSession));
        b.Events();

        b.Connect(sessionPresent: false);
        var sent = b.Flush();
        Assert.All(sent, p => Assert.Equal(PacketType.Publish, p.Type));
        Assert.All(sent, p => Assert.False(p.Dup));
        Assert.Equal([0, 1, 3, 4, 5, 6, 7, 8], sent.Select(p => p.Tag));
        Assert.Equal([Q1, Q2, Q2, Q1, Q2], sent.Take(5).Select(p => p.QoS));
        var events = b.Events();
        Assert.DoesNotContain(events, e => e.Kind == SessionEventKind.PublishFailed);

        // Nothing is lost: acking the new flows completes all of them.
        foreach (var p in sent.Where(p => p.QoS == Q1)) b.PubAck(p.PacketId);
        foreach (var p in sent.Where(p => p.QoS == Q2)) b.PubRec(p.PacketId);
        foreach (var p in sent.Where(p => p.QoS == Q2)) b.PubComp(p.PacketId);
        events.AddRange(b.Events());
        Assert.Equal([0, 1, 3, 4, 5, 6, 7, 8], FakeBroker.Tags(events, SessionEventKind.PublishCompleted).Order());
        Assert.Equal(0, b.Session.InFlightCount);
    }

    [Fact]
    [Trait("spec", "MQTT3.1-3.2")]
    public void Mqtt31_without_clean_session_assumes_the_session_was_kept_and_resends_with_dup()
    {
        var (b, ids) = SixInFlight(FakeBroker.Options(version: MqttProtocolVersion.V310));
        b.Connect(sessionPresent: false);   // a 3.1 CONNACK has no Session Present
        var sent = b.Flush();
        Assert.Equal(
            [(PacketType.PubRel, ids[5], false), (PacketType.PubRel, ids[1], false),
             (PacketType.Publish, ids[0], true), (PacketType.Publish, ids[3], true), (PacketType.Publish, ids[4], true)],
            sent.Take(5).Select(p => (p.Type, p.PacketId, p.Dup)));
    }

    [Fact]
    [Trait("spec", "MQTT3.1-3.2")]
    [Trait("spec", "MQTT-3.1.2-6")]
    public void Mqtt31_with_clean_session_resends_as_fresh_publishes()
    {
        var (b, _) = SixInFlight(FakeBroker.Options(version: MqttProtocolVersion.V310, cleanSession: true));
        b.Connect(sessionPresent: false);
        var sent = b.Flush();
        Assert.All(sent, p => Assert.Equal((PacketType.Publish, false), (p.Type, p.Dup)));
        Assert.Equal([0, 1, 3, 4, 5, 6, 7, 8], sent.Select(p => p.Tag));
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-4")]
    public void A_connection_lost_before_connack_keeps_everything_for_the_next_one()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(0, Q1);
        ushort id = Assert.Single(b.Flush()).PacketId;
        b.Session.ConnectionLost();
        b.Session.ConnectionUp(b.Now);
        b.Flush();
        b.Session.ConnectionLost();          // dropped while waiting for CONNACK
        b.Connect(sessionPresent: true);
        var p = Assert.Single(b.Flush());
        Assert.Equal((id, true), (p.PacketId, p.Dup));
    }

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    public void Pubrec_arriving_before_the_resend_is_written_turns_it_into_a_pubrel()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(0, Q2);
        ushort id = Assert.Single(b.Flush()).PacketId;
        b.Reconnect(sessionPresent: true);
        b.PubRec(id);                          // the broker answers the first PUBLISH late
        var rel = Assert.Single(b.Flush());
        Assert.Equal((PacketType.PubRel, id), (rel.Type, rel.PacketId));
    }
}

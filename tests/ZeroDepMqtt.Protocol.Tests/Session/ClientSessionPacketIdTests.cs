using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class ClientSessionPacketIdTests
{
    private const QualityOfService Q1 = QualityOfService.AtLeastOnce;
    private const QualityOfService Q2 = QualityOfService.ExactlyOnce;

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    [Trait("spec", "MQTT-2.3.1-2")]
    public void Ids_are_never_zero_and_skip_ids_in_flight_across_the_wrap()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(-1, Q1);                            // id 1, never acknowledged
        var held = Assert.Single(b.Flush());
        Assert.Equal(1, held.PacketId);

        var seen = new HashSet<ushort>();
        ushort previous = held.PacketId;
        for (int i = 0; i < 70_000; i++)
        {
            ushort id = b.PublishAndAck(i);
            Assert.NotEqual(0, id);
            Assert.NotEqual(held.PacketId, id);
            if (previous == ushort.MaxValue) Assert.Equal(2, id);   // wraps past 0 and past the held id 1
            previous = id;
            seen.Add(id);
        }
        Assert.Equal(65_534, seen.Count);            // every id but 0 and the held one was used
        Assert.Equal(1, b.Session.InFlightCount);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-2")]
    public void No_two_publishes_in_flight_share_an_id()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 100));
        b.Connect();
        for (int i = 0; i < 100; i++) b.Publish(i, i % 2 == 0 ? Q1 : Q2);
        var sent = b.Flush();
        Assert.Equal(100, sent.Count);
        Assert.Equal(100, sent.Select(p => p.PacketId).Distinct().Count());
        Assert.DoesNotContain(sent, p => p.PacketId == 0);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-3")]
    public void After_pubrec_the_id_stays_reserved_and_after_pubcomp_it_is_free()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(0, Q2);
        ushort id = Assert.Single(b.Flush()).PacketId;
        b.PubRec(id);
        Assert.Equal(PacketType.PubRel, Assert.Single(b.Flush()).Type);

        // Cycle the whole id space: the QoS 2 id is never handed out while it waits for PUBCOMP.
        for (int i = 1; i <= 65_534; i++) Assert.NotEqual(id, b.PublishAndAck(i));

        b.PubComp(id);
        var ids = Enumerable.Range(0, 65_535).Select(i => b.PublishAndAck(100_000 + i)).ToHashSet();
        Assert.Contains(id, ids);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-3")]
    public void After_puback_the_id_can_be_reused()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 1));
        b.Connect();
        ushort first = b.PublishAndAck(0);
        for (int i = 1; i < 65_535; i++) b.PublishAndAck(i);
        Assert.Equal(first, b.PublishAndAck(65_535));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-2")]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Ids_of_pending_subscribe_and_unsubscribe_are_not_reused()
    {
        var b = new FakeBroker();
        b.Connect();
        Assert.True(b.Session.TrySubscribe([new Subscription("a", Q1)], "sub"));
        Assert.True(b.Session.TryUnsubscribe(["b"], "unsub"));
        var requests = b.Flush();
        Assert.Equal([PacketType.Subscribe, PacketType.Unsubscribe], requests.Select(p => p.Type));
        var reserved = requests.Select(p => p.PacketId).ToHashSet();
        Assert.DoesNotContain((ushort)0, reserved);

        for (int i = 0; i < 66_000; i++) Assert.DoesNotContain(b.PublishAndAck(i), reserved);

        b.SubAck(requests[0].PacketId, 1);
        b.UnsubAck(requests[1].PacketId);
        var events = b.Events().Where(e => e.Kind != SessionEventKind.PublishCompleted).ToList();
        Assert.Equal([SessionEventKind.SubscribeCompleted, SessionEventKind.UnsubscribeCompleted], events.Select(e => e.Kind));
        var ids = Enumerable.Range(0, 65_535).Select(i => b.PublishAndAck(i)).ToHashSet();
        Assert.Superset(reserved, ids);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-6")]
    public void Pubrel_carries_the_publish_id()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(0, Q2);
        b.Publish(1, Q2);
        var sent = b.Flush();
        b.PubRec(sent[1].PacketId);
        b.PubRec(sent[0].PacketId);
        var rels = b.Flush();
        Assert.All(rels, p => Assert.Equal(PacketType.PubRel, p.Type));
        Assert.Equal([sent[1].PacketId, sent[0].PacketId], rels.Select(p => p.PacketId));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-6")]
    [Trait("spec", "MQTT-2.3.1-4")]
    public void Acks_for_inbound_publishes_echo_the_inbound_id_even_when_it_matches_an_outbound_one()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(0, Q1);
        ushort outbound = Assert.Single(b.Flush()).PacketId;

        b.PublishToClient(outbound, Q1, 10);     // same number, other direction: independent
        b.PublishToClient(4321, Q2, 11);
        var acks = b.Flush();
        Assert.Equal([(PacketType.PubAck, outbound), (PacketType.PubRec, (ushort)4321)], acks.Select(p => (p.Type, p.PacketId)));
        Assert.Equal(1, b.Session.InFlightCount);   // the inbound PUBLISH did not touch the outbound one
    }
}

using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class ClientSessionRequestTests
{
    private static readonly Subscription[] ThreeFilters =
        [new("a/+", QualityOfService.AtMostOnce), new("b/#", QualityOfService.AtLeastOnce), new("c", QualityOfService.ExactlyOnce)];

    private static (FakeBroker, Sent) SubscribeSent()
    {
        var b = new FakeBroker();
        b.Connect();
        Assert.True(b.Session.TrySubscribe(ThreeFilters, "sub"));
        var s = Assert.Single(b.Flush());
        Assert.Equal((PacketType.Subscribe, 3), (s.Type, s.FilterCount));
        Assert.NotEqual(0, s.PacketId);
        return (b, s);
    }

    [Fact]
    [Trait("spec", "MQTT-3.9.3-1")]
    public void Suback_codes_are_delivered_in_filter_order()
    {
        var (b, s) = SubscribeSent();
        b.SubAck(s.PacketId, 2, SubAck.Failure, 0);
        var e = Assert.Single(b.Events());
        Assert.Equal((SessionEventKind.SubscribeCompleted, (object)"sub"), (e.Kind, e.State!));
        Assert.Equal([2, SubAck.Failure, 0], e.ReturnCodes.ToArray());
    }

    [Theory]
    [Trait("spec", "MQTT-3.8.4-5")]
    [Trait("spec", "MQTT-3.9.3-1")]
    [InlineData(new byte[] { 0, 1 })]
    [InlineData(new byte[] { 0, 1, 2, 1 })]
    public void Suback_with_another_number_of_codes_is_a_protocol_violation(byte[] codes)
    {
        var (b, s) = SubscribeSent();
        var e = Assert.Throws<MqttProtocolException>(() => b.SubAck(s.PacketId, codes));
        Assert.Equal(MqttErrorReason.InvalidSubAck, e.Reason);
        Assert.Equal("MQTT-3.8.4-5", e.SpecId);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-7")]
    public void Suback_with_a_foreign_id_leaves_the_request_pending()
    {
        var (b, s) = SubscribeSent();
        b.SubAck((ushort)(s.PacketId + 1), 0, 0, 0);
        Assert.True(b.Session.TryUnsubscribe(["x"], "unsub"));
        var u = Assert.Single(b.Flush());
        b.SubAck(u.PacketId, 0, 0, 0);             // an UNSUBSCRIBE's id on a SUBACK: not the SUBSCRIBE's answer
        b.UnsubAck(s.PacketId);                    // and the other way round
        Assert.Empty(b.Events());

        b.SubAck(s.PacketId, 0, 1, 2);
        b.UnsubAck(u.PacketId);
        Assert.Equal([SessionEventKind.SubscribeCompleted, SessionEventKind.UnsubscribeCompleted], b.Events().Select(e => e.Kind));
    }

    [Fact]
    public void A_sent_request_fails_when_its_connection_is_lost_an_unsent_one_waits()
    {
        var (b, s) = SubscribeSent();
        b.Session.ConnectionLost();
        Assert.True(b.Session.TryUnsubscribe(["x"], "later"));
        var failed = Assert.Single(b.Events());
        Assert.Equal((SessionEventKind.RequestFailed, (object)"sub"), (failed.Kind, failed.State!));

        b.Connect(sessionPresent: true);
        var u = Assert.Single(b.Flush());
        Assert.Equal(PacketType.Unsubscribe, u.Type);
        b.SubAck(s.PacketId, 0, 0, 0);             // the old SUBACK, late: the request is gone
        b.UnsubAck(u.PacketId);
        var done = Assert.Single(b.Events());
        Assert.Equal((SessionEventKind.UnsubscribeCompleted, (object)"later"), (done.Kind, done.State!));
    }

    [Fact]
    public void Pending_requests_are_bounded()
    {
        var b = new FakeBroker();
        for (int i = 0; i < ClientSession.MaxPendingRequests; i++)
            Assert.True(b.Session.TrySubscribe([new Subscription("a", QualityOfService.AtMostOnce)], i));
        Assert.False(b.Session.TryUnsubscribe(["a"], -1));
        b.Session.FailAll();
        Assert.Equal(ClientSession.MaxPendingRequests, b.Events().Count(e => e.Kind == SessionEventKind.RequestFailed));
        Assert.True(b.Session.TryUnsubscribe(["a"], -1));
    }

    [Fact]
    public void An_invalid_request_throws_at_the_caller_and_takes_nothing()
    {
        var b = new FakeBroker();
        Assert.ThrowsAny<ArgumentException>(() => b.Session.TrySubscribe([], null));
        Assert.ThrowsAny<ArgumentException>(() => b.Session.TrySubscribe([new Subscription("a/#/b", QualityOfService.AtMostOnce)], null));
        Assert.ThrowsAny<ArgumentException>(() => b.Session.TrySubscribe([new Subscription("a", (QualityOfService)3)], null));
        Assert.ThrowsAny<ArgumentException>(() => b.Session.TryUnsubscribe([], null));
        b.Connect();
        Assert.Empty(b.Flush());
    }
}

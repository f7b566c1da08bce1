using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>
/// The QoS 2 window the broker allows (<see cref="ClientSession.QoS2Window"/>): a broker with a limit closes the
/// connection on the QoS 2 PUBLISH that goes over it, as Mosquitto after 2.0.11 does with max_inflight_messages.
/// </summary>
public class ClientSessionQoS2WindowTests
{
    private const QualityOfService Q1 = QualityOfService.AtLeastOnce;
    private const QualityOfService Q2 = QualityOfService.ExactlyOnce;

    private static FakeBroker Broker(int window = 8, bool cleanSession = false)
        => new(FakeBroker.Options(maxInFlight: 64, cleanSession: cleanSession, maxInFlightQoS2: window));

    // The broker takes `limit` flows (PUBREC each) and closes on the next PUBLISH; everything after it is lost.
    private static List<Sent> OverTheLimit(FakeBroker b, List<Sent> written, int limit)
    {
        var publishes = written.Where(p => p.Type == PacketType.Publish && p.QoS == Q2).ToList();
        foreach (var p in publishes.Take(limit)) b.PubRec(p.PacketId);
        Assert.True(publishes.Count > limit, "the script must go over the limit");
        b.Session.ConnectionLost(closedByBroker: true);
        return publishes;
    }

    [Fact]
    public void Lost_session_two_closes_over_the_limit_halve_the_window_and_the_resend_fits()
    {
        // Clean session: the broker forgets every flow, so each reconnect re-sends all as new PUBLISH packets. With the
        // window unchanged each re-send would go over again, and the client would reconnect forever.
        var b = Broker(window: 8, cleanSession: true);
        b.Connect();
        for (int i = 0; i < 12; i++) b.Publish(i, Q2);
        OverTheLimit(b, b.Flush(), limit: 3);
        Assert.Equal(8, b.Session.QoS2Window);   // one close could be anything (a restart, a network fault)

        b.Connect(sessionPresent: false);
        var resent = b.Flush();
        Assert.Equal(8, resent.Count(p => p.Type == PacketType.Publish));
        OverTheLimit(b, resent, limit: 3);
        Assert.Equal(4, b.Session.QoS2Window);   // the second in a row: half of the 8 that were open
        Assert.Equal(1, b.Session.QoS2WindowReductions);

        b.Connect(sessionPresent: false);
        var third = b.Flush();
        Assert.Equal([0, 1, 2, 3], third.Select(p => p.Tag));   // only the window's worth, oldest first
        Assert.False(b.Session.HasOutgoing);
        b.PubRec(third[0].PacketId);
        Assert.Equal(PacketType.PubRel, Assert.Single(b.Flush()).Type);
        Assert.False(b.Session.HasOutgoing);     // PUBREC alone frees nothing: the broker holds the flow until PUBREL
        b.PubComp(third[0].PacketId);
        Assert.Equal([4], b.Flush().Select(p => p.Tag));
    }

    [Fact]
    [Trait("spec", "MQTT-4.6.0-1")]
    public void Kept_session_re_sends_PUBREL_at_once_and_PUBLISH_within_the_window_in_order()
    {
        var b = Broker(window: 8);
        b.Connect();
        for (int i = 0; i < 8; i++) b.Publish(i, Q2);
        b.Publish(100, Q1);                      // behind the QoS 2 messages: it must keep its place
        var first = b.Flush();
        OverTheLimit(b, first, limit: 2);
        b.Connect(sessionPresent: true);
        var resent = b.Flush();                  // PUBREL for the two PUBREC'd, DUP PUBLISH for the other six and the QoS 1
        Assert.Equal(2, resent.Count(p => p.Type == PacketType.PubRel));
        Assert.Equal(7, resent.Count(p => p.Type == PacketType.Publish));
        OverTheLimit(b, resent, limit: 0);       // closed again, none of the re-sent PUBLISH packets taken
        Assert.Equal(4, b.Session.QoS2Window);   // half of the 8 open

        b.Connect(sessionPresent: true);
        var third = b.Flush();
        // 2 PUBRELs (still PUBREC'd) count against the 4, so 2 PUBLISH re-sends fit; the QoS 1 message waits behind them.
        Assert.Equal(2, third.Count(p => p.Type == PacketType.PubRel));
        Assert.Equal([2, 3], third.Where(p => p.Type == PacketType.Publish).Select(p => p.Tag));
        Assert.All(third.Where(p => p.Type == PacketType.Publish), p => Assert.True(p.Dup));
        b.Publish(200, Q1);                      // a new publish goes after every re-send (MQTT-4.6.0-1)
        Assert.Empty(b.Flush());
        foreach (var rel in third.Where(p => p.Type == PacketType.PubRel)) b.PubComp(rel.PacketId);
        Assert.Equal([4, 5], b.Flush().Select(p => p.Tag));
    }

    [Fact]
    public void A_full_window_completed_between_two_closes_clears_the_first()
    {
        var b = Broker(window: 4);
        b.Connect();
        for (int i = 0; i < 6; i++) b.Publish(i, Q2);
        OverTheLimit(b, b.Flush(), limit: 1);
        b.Connect(sessionPresent: true);
        CompleteEverything(b);                   // this connection completes 6 flows: the window works
        for (int i = 10; i < 16; i++) b.Publish(i, Q2);
        OverTheLimit(b, b.Flush(), limit: 1);
        Assert.Equal(4, b.Session.QoS2Window);   // only one strike since the window last proved good
    }

    [Fact]
    public void Closes_that_do_not_look_like_a_limit_change_nothing()
    {
        var b = Broker(window: 4);
        b.Connect();
        // Our own close (a timeout, a renewal, a protocol error we found): never the broker's limit.
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 4; i++) b.Publish(round * 10 + i, Q2);
            b.Flush();
            b.Session.ConnectionLost();
            b.Connect(sessionPresent: true);
        }
        Assert.Equal(4, b.Session.QoS2Window);

        // Every PUBLISH got its PUBREC before the close: the broker took them all, so it did not close over a limit.
        var c = Broker(window: 4);
        c.Connect();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 4; i++) c.Publish(round * 10 + i, Q2);
            foreach (var p in c.Flush().Where(p => p.Type == PacketType.Publish)) c.PubRec(p.PacketId);
            c.Session.ConnectionLost(closedByBroker: true);
            c.Connect(sessionPresent: true);
            CompleteEverything(c);
        }
        Assert.Equal(4, c.Session.QoS2Window);

        // One flow open: nothing to halve.
        var d = Broker(window: 4);
        d.Connect();
        for (int round = 0; round < 3; round++)
        {
            d.Publish(round, Q2);
            d.Flush();
            d.Session.ConnectionLost(closedByBroker: true);
            d.Connect(sessionPresent: true);
            CompleteEverything(d);
        }
        Assert.Equal(4, d.Session.QoS2Window);
    }

    [Fact]
    public void The_window_never_goes_below_one_and_one_flow_still_completes()
    {
        var b = Broker(window: 4, cleanSession: true);
        b.Connect();
        for (int i = 0; i < 6; i++) b.Publish(i, Q2);
        var written = b.Flush();
        for (int close = 0; close < 10 && written.Count(p => p.Type == PacketType.Publish) >= 2; close++)
        {
            OverTheLimit(b, written, limit: 0);
            b.Connect(sessionPresent: false);
            written = b.Flush();
        }
        Assert.Equal(1, b.Session.QoS2Window);
        Assert.Equal([0], written.Select(p => p.Tag));   // one flow at a time now
        b.PubRec(written[0].PacketId);
        var events = CompleteEverything(b);
        Assert.Equal([0, 1, 2, 3, 4, 5], FakeBroker.Tags(events, SessionEventKind.PublishCompleted));
    }

    // The broker answers everything until the session has nothing left; returns the events.
    private static List<SessionEvent> CompleteEverything(FakeBroker b)
    {
        var events = new List<SessionEvent>();
        for (int round = 0; round < 1000 && (b.Session.InFlightCount > 0 || b.Session.QueuedCount > 0 || b.Session.HasOutgoing); round++)
        {
            foreach (var p in b.Flush())
            {
                if (p.Type == PacketType.Publish && p.QoS == Q2) b.PubRec(p.PacketId);
                else if (p.Type == PacketType.Publish && p.QoS == Q1) b.PubAck(p.PacketId);
                else if (p.Type == PacketType.PubRel) b.PubComp(p.PacketId);
            }
            events.AddRange(b.Events());
        }
        Assert.Equal((0, 0), (b.Session.InFlightCount, b.Session.QueuedCount));
        return events;
    }
}

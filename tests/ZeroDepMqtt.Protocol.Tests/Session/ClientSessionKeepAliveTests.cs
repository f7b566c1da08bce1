using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class ClientSessionKeepAliveTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static FakeBroker Connected(ushort keepAlive, TimeSpan? pingTimeout = null)
    {
        var b = new FakeBroker(FakeBroker.Options(keepAlive: keepAlive) with { PingTimeout = pingTimeout ?? 5 * Second });
        b.Connect();
        return b;
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-23")]
    public void An_idle_keep_alive_period_produces_exactly_one_pingreq()
    {
        var b = Connected(keepAlive: 10);
        var t0 = b.Now;                               // CONNECT was written at t0
        Assert.Equal(t0 + 10 * Second, b.Session.NextDeadline);

        b.Now = t0 + 10 * Second - TimeSpan.FromTicks(1);
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        Assert.False(b.Session.HasOutgoing);
        Assert.Empty(b.Flush());

        b.Now = t0 + 10 * Second;
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now + Second));   // ticking twice changes nothing
        Assert.True(b.Session.HasOutgoing);
        Assert.Equal(PacketType.PingReq, Assert.Single(b.Flush()).Type);
        Assert.Equal(b.Now + 5 * Second, b.Session.NextDeadline);           // now waiting for PINGRESP

        b.Now += 2 * Second;
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        Assert.Empty(b.Flush());                                             // no second PINGREQ while one is out
        b.PingResp();
        Assert.Equal(t0 + 20 * Second, b.Session.NextDeadline);              // counted from the PINGREQ sent
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-23")]
    public void Traffic_sent_postpones_the_pingreq()
    {
        var b = Connected(keepAlive: 10);
        var t0 = b.Now;
        b.Now = t0 + 6 * Second;
        b.Publish(1, QualityOfService.AtMostOnce);
        Assert.Single(b.Flush());
        Assert.Equal(t0 + 16 * Second, b.Session.NextDeadline);

        b.Now = t0 + 15 * Second;
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        Assert.Empty(b.Flush());
        b.Now = t0 + 16 * Second;
        b.Session.Tick(b.Now);
        Assert.Equal(PacketType.PingReq, Assert.Single(b.Flush()).Type);
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-23")]
    public void Received_traffic_does_not_postpone_the_pingreq()
    {
        var b = Connected(keepAlive: 10);
        var t0 = b.Now;
        b.Now = t0 + 5 * Second;
        b.PublishToClient(0, QualityOfService.AtMostOnce, 1);   // inbound only: nothing sent
        Assert.Equal(t0 + 10 * Second, b.Session.NextDeadline);
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-23")]
    public void Keep_alive_zero_never_sends_pingreq()
    {
        var b = Connected(keepAlive: 0);
        Assert.Null(b.Session.NextDeadline);
        for (int i = 1; i <= 10; i++)
        {
            b.Now += TimeSpan.FromHours(i);
            Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
            Assert.Empty(b.Flush());
        }
    }

    [Fact]
    [Trait("spec", "MQTT-3.12.4-1")]
    public void No_pingresp_within_the_ping_timeout_reports_a_keep_alive_timeout()
    {
        var b = Connected(keepAlive: 10, pingTimeout: 3 * Second);
        b.Now += 10 * Second;
        b.Session.Tick(b.Now);
        Assert.Equal(PacketType.PingReq, Assert.Single(b.Flush()).Type);
        var pingAt = b.Now;
        b.PubAck(1);                                    // other inbound traffic is not a PINGRESP

        b.Now = pingAt + 3 * Second - TimeSpan.FromTicks(1);
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now));
        b.Now = pingAt + 3 * Second;
        Assert.Equal(SessionTimeout.KeepAlive, b.Session.Tick(b.Now));

        b.Session.ConnectionLost();
        Assert.Null(b.Session.NextDeadline);
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now + TimeSpan.FromHours(1)));
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-23")]
    public void A_reconnect_restarts_keep_alive_and_forgets_the_outstanding_ping()
    {
        var b = Connected(keepAlive: 10, pingTimeout: 3 * Second);
        b.Now += 10 * Second;
        b.Session.Tick(b.Now);
        Assert.Single(b.Flush());
        b.Session.ConnectionLost();

        b.Now += 60 * Second;
        b.Connect();
        Assert.Equal(b.Now + 10 * Second, b.Session.NextDeadline);
        Assert.Equal(SessionTimeout.None, b.Session.Tick(b.Now + 9 * Second));
    }
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>Scripts weighted towards the interesting parts: publishing, moving packets, answering out of order.</summary>
public static class SessionScripts
{
    public static Arbitrary<Op> Op()
    {
        var kinds = Gen.Frequency(
            (6, Gen.Constant(OpKind.Publish)),
            (5, Gen.Constant(OpKind.Write)),
            (5, Gen.Constant(OpKind.Deliver)),
            (6, Gen.Constant(OpKind.Answer)),
            (1, Gen.Constant(OpKind.Drop)),
            (1, Gen.Constant(OpKind.Lose)),
            (1, Gen.Constant(OpKind.ConnectionUp)),
            (1, Gen.Constant(OpKind.ConnAck)),
            (2, Gen.Constant(OpKind.Reconnect)),
            (2, Gen.Constant(OpKind.Advance)),
            (1, Gen.Constant(OpKind.JumpIds)));
        var ops = kinds.SelectMany(k => Gen.Choose(0, 1000), (k, arg) => new Op(k, arg));
        return Arb.From(ops);
    }
}

public class ClientSessionModelProperties
{
    /// <summary>
    /// Any interleaving of publishes, writes, out-of-order answers, lost packets and connections, reconnects with or
    /// without a kept session and passing time keeps ids unique, the window bounded and every completion single;
    /// after a final reconnect with the session kept and a broker that answers everything, every accepted QoS 1/2
    /// publish has completed exactly once and reached the broker (QoS 2 exactly once while the session was kept).
    /// </summary>
    [Property(Arbitrary = [typeof(SessionScripts)], MaxTest = 500, EndSize = 200)]
    [Trait("spec", "MQTT-2.3.1-2")]
    [Trait("spec", "MQTT-2.3.1-3")]
    [Trait("spec", "MQTT-3.3.1-1")]
    [Trait("spec", "MQTT-4.3.2-1")]
    [Trait("spec", "MQTT-4.3.3-1")]
    [Trait("spec", "MQTT-4.4.0-1")]
    [Trait("spec", "MQTT-3.1.2-4")]
    public void Every_accepted_publish_completes_exactly_once(Op[] script)
        => new SessionModel().Run(script);

    /// <summary>
    /// The same against a broker with its own QoS 2 limit (1 to 3 flows, under the window of 4) that closes the
    /// connection on the PUBLISH over it: the client lowers its QoS 2 window within a few such closes, and the final
    /// drain still completes every publish with the same guarantees (no lost packet in mid-connection here: TCP).
    /// </summary>
    [Property(Arbitrary = [typeof(SessionScripts)], MaxTest = 300, EndSize = 200)]
    [Trait("spec", "MQTT-4.4.0-1")]
    [Trait("spec", "MQTT-4.6.0-1")]
    public void Every_accepted_publish_completes_under_a_broker_QoS2_limit(Op[] script, PositiveInt limit)
        => new SessionModel(qos2Limit: 1 + limit.Get % 3).Run(script);
}

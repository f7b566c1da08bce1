using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>Scripts for <see cref="DurableQoS2Model"/>: crashes often enough to land between every pair of steps.</summary>
public static class DurableScripts
{
    public static Arbitrary<DurableOp> Op()
    {
        var kinds = Gen.Frequency(
            (5, Gen.Constant(DurableOpKind.Publish)),
            (5, Gen.Constant(DurableOpKind.Write)),
            (5, Gen.Constant(DurableOpKind.Deliver)),
            (6, Gen.Constant(DurableOpKind.Answer)),
            (3, Gen.Constant(DurableOpKind.Sync)),
            (1, Gen.Constant(DurableOpKind.Reconnect)),
            (2, Gen.Constant(DurableOpKind.Crash)));
        return Arb.From(kinds.SelectMany(k => Gen.Choose(0, 1000), (k, arg) => new DurableOp(k, arg)));
    }
}

public class DurableQoS2Properties
{
    /// <summary>
    /// QoS 2 exactly once across process restarts: with ids fixed by the message and PUBREC recorded before Release,
    /// any interleaving of publishes, out-of-order answers, reconnects and process kills (restored with
    /// <see cref="ZeroDepMqtt.Protocol.Session.ClientSession.Restore"/>) delivers every message exactly once, never
    /// sends an id the broker holds for another message, and sends PUBREL only for a recorded PUBREC.
    /// </summary>
    [Property(Arbitrary = [typeof(DurableScripts)], MaxTest = 500, EndSize = 200)]
    [Trait("spec", "MQTT-4.4.0-1")]
    [Trait("spec", "MQTT-4.3.3-1")]
    [Trait("spec", "MQTT-2.3.1-2")]
    public void Every_message_is_delivered_exactly_once_across_restarts(DurableOp[] script)
        => new DurableQoS2Model().Run(script);
}

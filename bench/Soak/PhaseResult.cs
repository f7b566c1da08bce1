using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Soak;

internal sealed class PhaseResult(QualityOfService qos, bool brokerKills, long sent, int failed, DeliveryTally counts,
    int kills, ChaosProxy proxy, long connections)
{
    public long LostByBroker;
    public long LostByClient;

    /// <summary>
    /// QoS 1: at least once; QoS 2: exactly once while the broker kept the session (the network phase). After kill -9
    /// the broker may lose its own QoS 2 state, so duplicates there are reported, not failed.
    /// </summary>
    public bool Passed => failed == 0 && LostByClient == 0
        && (qos != QualityOfService.ExactlyOnce || brokerKills || counts.Duplicates == 0)
        && (brokerKills || LostByBroker == 0);

    public string Describe()
        => $"QoS {(int)qos} {(brokerKills ? "broker kill -9" : "network faults")}: sent {sent}, received {counts.Received} " +
           $"({counts.Distinct} distinct), duplicates {counts.Duplicates}, lost by client {LostByClient}, " +
           $"lost by broker after kill -9 {LostByBroker}, failed publishes {failed}; faults: {kills} kills, {proxy.Cuts} cuts, " +
           $"{proxy.Pauses} pauses, {proxy.BlackHoles} black holes; {connections} connections -> {(Passed ? "PASS" : "FAIL")}";
}

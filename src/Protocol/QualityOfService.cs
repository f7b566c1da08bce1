namespace ZeroDepMqtt.Protocol;

/// <summary>The delivery guarantee of a PUBLISH (MQTT 3.1.1 §4.3).</summary>
public enum QualityOfService : byte
{
    /// <summary>QoS 0: at most once, fire and forget.</summary>
    AtMostOnce = 0,

    /// <summary>QoS 1: at least once, acknowledged by PUBACK.</summary>
    AtLeastOnce = 1,

    /// <summary>QoS 2: exactly once, PUBREC / PUBREL / PUBCOMP.</summary>
    ExactlyOnce = 2,
}

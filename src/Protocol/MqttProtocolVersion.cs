namespace ZeroDepMqtt.Protocol;

/// <summary>The protocol level written in CONNECT.</summary>
public enum MqttProtocolVersion : byte
{
    /// <summary>MQTT 3.1: protocol name <c>MQIsdp</c>, level 3.</summary>
    V310 = 3,

    /// <summary>MQTT 3.1.1: protocol name <c>MQTT</c>, level 4.</summary>
    V311 = 4,
}

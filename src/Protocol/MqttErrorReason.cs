namespace ZeroDepMqtt.Protocol;

/// <summary>Why inbound bytes were rejected as malformed or as a protocol violation.</summary>
public enum MqttErrorReason
{
    /// <summary>The Remaining Length has a fifth byte, or its encoding is otherwise invalid (MQTT-2.2.3).</summary>
    MalformedRemainingLength = 1,
    /// <summary>The Remaining Length exceeds the configured maximum packet size.</summary>
    PacketTooLarge,
    /// <summary>Packet type 0 or 15, or a type that never travels in this direction (MQTT-2.2.1).</summary>
    InvalidPacketType,
    /// <summary>Reserved fixed-header flag bits do not have their required value (MQTT-2.2.2-2).</summary>
    InvalidFlags,
    /// <summary>The body is shorter or longer than the packet's layout requires.</summary>
    MalformedLength,
    /// <summary>A string is not well-formed UTF-8 or encodes a surrogate (MQTT-1.5.3-1).</summary>
    InvalidUtf8,
    /// <summary>A string contains U+0000 (MQTT-1.5.3-2).</summary>
    NullCharacter,
    /// <summary>A topic name is empty or contains a wildcard (MQTT-3.3.2-2, MQTT-4.7.3-1).</summary>
    InvalidTopicName,
    /// <summary>A topic filter is empty or misplaces a wildcard (MQTT-4.7.1-2, MQTT-4.7.1-3).</summary>
    InvalidTopicFilter,
    /// <summary>A packet identifier that must be non-zero is zero (MQTT-2.3.1-1).</summary>
    ZeroPacketId,
    /// <summary>A QoS value of 3 (MQTT-3.3.1-4), or reserved bits in a QoS byte.</summary>
    InvalidQoS,
    /// <summary>A CONNECT with the wrong protocol name or level, or inconsistent flags.</summary>
    InvalidConnect,
    /// <summary>A CONNACK with reserved bits or an inconsistent Session Present (MQTT-3.2.2-4).</summary>
    InvalidConnAck,
    /// <summary>A SUBACK return code outside 0, 1, 2 and 0x80 (MQTT-3.9.3-2), or a wrong count (MQTT-3.8.4-5).</summary>
    InvalidSubAck,
    /// <summary>A SUBSCRIBE or UNSUBSCRIBE with no topic filter (MQTT-3.8.3-3, MQTT-3.10.3-2).</summary>
    EmptyPayload,
    /// <summary>A well-formed packet that is not allowed at this point of the session (MQTT-3.2.0-1, MQTT-4.8.0-1).</summary>
    UnexpectedPacket,
}

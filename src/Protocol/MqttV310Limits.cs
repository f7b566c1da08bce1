namespace ZeroDepMqtt.Protocol;

/// <summary>The limits MQTT 3.1 sets that 3.1.1 dropped or raised; the one place they are written down.</summary>
public static class MqttV310Limits
{
    /// <summary>The longest client identifier MQTT 3.1 allows: 23 characters (MQTT 3.1 §3.1; 3.1.1 allows more).</summary>
    public const int MaxClientIdLength = 23;

    /// <summary>The longest topic name, in UTF-8 bytes: MQTT 3.1's PUBLISH section caps it at 32,767 (its appendix
    /// says 64k; this takes the safe one). 3.1.1 allows <see cref="MqttUtf8.MaxLength"/>.</summary>
    public const int MaxTopicBytes = 32_767;
}

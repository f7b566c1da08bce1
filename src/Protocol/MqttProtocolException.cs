namespace ZeroDepMqtt.Protocol;

/// <summary>
/// Inbound bytes broke the protocol. The connection they came on must be closed (MQTT-4.8.0-1).
/// This is the only exception type the decoder throws.
/// </summary>
public sealed class MqttProtocolException : Exception
{
    /// <summary>Creates the exception; the message is composed from the parts.</summary>
    /// <param name="reason">What kind of violation.</param>
    /// <param name="packet">The packet being read, e.g. <c>PUBLISH</c>; <c>null</c> before the type is known.</param>
    /// <param name="detail">What is wrong, in a few words.</param>
    /// <param name="offset">The byte offset from the packet's first byte; -1 when not tied to a byte.</param>
    /// <param name="specId">The normative statement id, when there is one.</param>
    public MqttProtocolException(MqttErrorReason reason, string? packet, string detail, long offset, string? specId)
        : base(Compose(packet, detail, offset, specId))
    {
        Reason = reason;
        Packet = packet;
        Offset = offset;
        SpecId = specId;
    }

    /// <summary>What kind of violation.</summary>
    public MqttErrorReason Reason { get; }

    /// <summary>The packet name, e.g. <c>PUBLISH</c>, or <c>null</c> when the type was not known yet.</summary>
    public string? Packet { get; }

    /// <summary>The byte offset from the first byte of the packet, or -1.</summary>
    public long Offset { get; }

    /// <summary>The normative statement id such as <c>MQTT-4.7.3-2</c>, or <c>null</c>.</summary>
    public string? SpecId { get; }

    private static string Compose(string? packet, string detail, long offset, string? specId)
    {
        var text = packet is null ? detail : $"{packet}: {detail}";
        if (offset >= 0) text += $" at byte {offset}";
        if (specId is not null) text += $" ({specId})";
        return text;
    }
}

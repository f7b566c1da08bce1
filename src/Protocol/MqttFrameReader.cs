using System.Buffers;

namespace ZeroDepMqtt.Protocol;

/// <summary>
/// Finds packet boundaries in a byte stream (MQTT 3.1.1 §2.2). Synchronous and allocation-free: the
/// connection loops <c>while (TryRead(ref buffer, …))</c> and advances its pipe to <c>buffer.Start</c>.
/// Parsing a packet's body is separate: each packet type reads its own from <see cref="MqttFrame"/>.
/// </summary>
public static class MqttFrameReader
{
    /// <summary>The default largest packet accepted: 1 MiB plus headers, plenty for a publisher's acks.</summary>
    public const int DefaultMaxPacketSize = 1 << 20;

    /// <summary>
    /// Reads one packet from the start of <paramref name="buffer"/>. Returns false, leaving the buffer as it was,
    /// when more bytes are needed; on success slices the packet off the buffer.
    /// </summary>
    /// <param name="buffer">Bytes received and not yet consumed.</param>
    /// <param name="maxPacketSize">The largest whole packet (fixed header included) to accept.</param>
    /// <param name="frame">The packet found.</param>
    /// <exception cref="MqttProtocolException">
    /// Type 0 or 15 (MQTT-2.2.1), a fifth Remaining Length byte (MQTT-2.2.3), or a packet larger than
    /// <paramref name="maxPacketSize"/> — raised as soon as the length is known, before its bytes are buffered.
    /// </exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxPacketSize, out MqttFrame frame)
    {
        frame = default;
        // The fixed header is at most 5 bytes: copy it out so a split across segments costs nothing special.
        Span<byte> head = stackalloc byte[5];
        int have = (int)Math.Min(buffer.Length, 5);
        if (have < 2) return false;
        buffer.Slice(0, have).CopyTo(head);

        byte first = head[0];
        int type = first >> 4;
        if (type == 0 || type == 15)
            ThrowHelper.Protocol(MqttErrorReason.InvalidPacketType, null, $"packet type {type} is reserved (first byte 0x{first:X2})", 0, "MQTT-2.2.1");

        int value = 0, shift = 0, i = 1;
        while (true)
        {
            if (i >= have) return false;
            byte b = head[i];
            value |= (b & 0x7F) << shift;
            i++;
            if ((b & 0x80) == 0) break;
            if (i == 5)
                ThrowHelper.Protocol(MqttErrorReason.MalformedRemainingLength, Name((PacketType)type),
                    "Remaining Length continues past its fourth byte", 4, "MQTT-2.2.3");
            shift += 7;
        }

        long total = i + (long)value;
        if (total > maxPacketSize)
            ThrowHelper.Protocol(MqttErrorReason.PacketTooLarge, Name((PacketType)type),
                $"Remaining Length {value} makes a {total}-byte packet, above the {maxPacketSize}-byte maximum", 1);
        if (buffer.Length < total) return false;

        frame = new MqttFrame(first, i, buffer.Slice(i, value));
        buffer = buffer.Slice(total);
        return true;
    }

    /// <summary>The spec's name of a packet type, for messages.</summary>
    public static string Name(PacketType type) => type switch
    {
        PacketType.Connect => "CONNECT",
        PacketType.ConnAck => "CONNACK",
        PacketType.Publish => "PUBLISH",
        PacketType.PubAck => "PUBACK",
        PacketType.PubRec => "PUBREC",
        PacketType.PubRel => "PUBREL",
        PacketType.PubComp => "PUBCOMP",
        PacketType.Subscribe => "SUBSCRIBE",
        PacketType.SubAck => "SUBACK",
        PacketType.Unsubscribe => "UNSUBSCRIBE",
        PacketType.UnsubAck => "UNSUBACK",
        PacketType.PingReq => "PINGREQ",
        PacketType.PingResp => "PINGRESP",
        PacketType.Disconnect => "DISCONNECT",
        _ => $"type {(byte)type}",
    };

    /// <summary>Checks the fixed-header flags of a type whose flags are reserved (MQTT-2.2.2-1, MQTT-2.2.2-2).</summary>
    internal static void CheckFlags(in MqttFrame frame, byte expected, string packet, MqttProtocolVersion version)
    {
        byte flags = frame.Flags;
        if (flags == expected) return;
        // MQTT 3.1 §2.1: PUBREL, SUBSCRIBE and UNSUBSCRIBE "use QoS level 1" and may carry DUP on a retry.
        if (version == MqttProtocolVersion.V310 && expected == 0b0010 && flags == 0b1010) return;
        ThrowHelper.Protocol(MqttErrorReason.InvalidFlags, packet,
            $"fixed-header flags are 0x{flags:X1}, must be 0x{expected:X1}", 0,
            frame.Type == PacketType.PubRel ? "MQTT-3.6.1-1" : frame.Type == PacketType.Subscribe ? "MQTT-3.8.1-1"
            : frame.Type == PacketType.Unsubscribe ? "MQTT-3.10.1-1" : "MQTT-2.2.2-2");
    }
}

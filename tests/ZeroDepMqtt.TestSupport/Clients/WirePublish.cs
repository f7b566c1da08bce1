using System.Buffers.Binary;
using System.Text;

namespace ZeroDepMqtt.TestSupport;

/// <summary>A PUBLISH as a <see cref="ScriptedConnection"/> read it off the wire.</summary>
public readonly record struct WirePublish(int QoS, bool Dup, string Topic, ushort PacketId, byte[] Payload)
{
    /// <summary>Whether <paramref name="first"/> is a PUBLISH's first byte.</summary>
    public static bool Is(byte first) => (first & 0xF0) == 0x30;

    /// <summary>Parses a PUBLISH's first byte and body.</summary>
    public static WirePublish Parse(byte first, byte[] body)
    {
        int qos = (first >> 1) & 3;
        int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        string topic = Encoding.UTF8.GetString(body, 2, topicLength);
        int at = 2 + topicLength;
        ushort id = 0;
        if (qos > 0) { id = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at)); at += 2; }
        return new WirePublish(qos, (first & 0x08) != 0, topic, id, body[at..]);
    }

    /// <summary>The ack a broker answers it with: PUBACK (QoS 1) or PUBREC (QoS 2); null for QoS 0.</summary>
    public byte[]? Ack() => QoS switch
    {
        1 => [0x40, 0x02, (byte)(PacketId >> 8), (byte)PacketId],
        2 => [0x50, 0x02, (byte)(PacketId >> 8), (byte)PacketId],
        _ => null,
    };
}

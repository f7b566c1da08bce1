using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>PUBACK: QoS 1 publish acknowledgement (§3.4), the answer to a QoS 1 PUBLISH.</summary>
/// <remarks>
/// <code>
/// byte 1   0x40          (PUBACK, flags 0)
/// byte 2   0x02          Remaining Length
/// byte 3-4 packet id     MSB, LSB (MQTT-2.3.1-6: the id of the packet it answers)
/// </code>
/// </remarks>
public readonly record struct PubAck(ushort PacketId)
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0x40;

    /// <summary>The encoded size: always 4 bytes.</summary>
    public int EncodedLength => IdOnlyPacket.Length;

    /// <summary>Writes the packet.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The packet id is 0 (MQTT-2.3.1-1).</exception>
    public void WriteTo(IBufferWriter<byte> writer) => IdOnlyPacket.Write(writer, FirstByte, PacketId, "PUBACK");

    /// <summary>Reads the packet from its frame.</summary>
    /// <exception cref="MqttProtocolException">Wrong flags, a Remaining Length other than 2, or packet id 0.</exception>
    public static PubAck Read(in MqttFrame frame, MqttProtocolVersion version)
        => new(IdOnlyPacket.Read(frame, FirstByte & 0x0F, "PUBACK", version));
}

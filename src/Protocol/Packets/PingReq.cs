using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>PINGREQ: ping request (§3.12): sent when the connection is idle for Keep Alive (MQTT-3.1.2-23).</summary>
/// <remarks>
/// <code>
/// byte 1   0xC0          (PINGREQ, flags 0000)
/// byte 2   0x00          Remaining Length
/// </code>
/// </remarks>
public readonly record struct PingReq
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0xC0;

    /// <summary>The encoded size: always 2 bytes.</summary>
    public int EncodedLength => 2;

    /// <summary>Writes the packet.</summary>
    public void WriteTo(IBufferWriter<byte> writer) => EmptyPacket.Write(writer, FirstByte);

    /// <summary>Reads the packet from its frame.</summary>
    /// <exception cref="MqttProtocolException">Wrong flags or a non-zero Remaining Length.</exception>
    public static PingReq Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        EmptyPacket.Read(frame, "PINGREQ", version);
        return default;
    }
}

using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>PINGRESP: ping response (§3.13): the broker's answer to PINGREQ (MQTT-3.12.4-1).</summary>
/// <remarks>
/// <code>
/// byte 1   0xD0          (PINGRESP, flags 0000)
/// byte 2   0x00          Remaining Length
/// </code>
/// </remarks>
public readonly record struct PingResp
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0xD0;

    /// <summary>The encoded size: always 2 bytes.</summary>
    public int EncodedLength => 2;

    /// <summary>Writes the packet.</summary>
    public void WriteTo(IBufferWriter<byte> writer) => EmptyPacket.Write(writer, FirstByte);

    /// <summary>Reads the packet from its frame.</summary>
    /// <exception cref="MqttProtocolException">Wrong flags or a non-zero Remaining Length.</exception>
    public static PingResp Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        EmptyPacket.Read(frame, "PINGRESP", version);
        return default;
    }
}

using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>DISCONNECT: the client is disconnecting cleanly (§3.14); nothing may follow it (MQTT-3.14.4-2).</summary>
/// <remarks>
/// <code>
/// byte 1   0xE0          (DISCONNECT, flags 0000)
/// byte 2   0x00          Remaining Length
/// </code>
/// </remarks>
public readonly record struct Disconnect
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0xE0;

    /// <summary>The encoded size: always 2 bytes.</summary>
    public int EncodedLength => 2;

    /// <summary>Writes the packet.</summary>
    public void WriteTo(IBufferWriter<byte> writer) => EmptyPacket.Write(writer, FirstByte);

    /// <summary>Reads the packet from its frame.</summary>
    /// <exception cref="MqttProtocolException">Wrong flags or a non-zero Remaining Length.</exception>
    public static Disconnect Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        EmptyPacket.Read(frame, "DISCONNECT", version);
        return default;
    }
}

using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>CONNACK (§3.2): the broker's answer to CONNECT.</summary>
/// <remarks>
/// <code>
/// byte 1   0x20          CONNACK, flags 0000
/// byte 2   0x02          Remaining Length
/// byte 3   flags         3.1.1: bits 7-1 zero, bit 0 Session Present; 3.1: unused (no Session Present)
/// byte 4   return code   0 accepted, 1-5 refused (Table 3.1), 6-255 reserved
/// </code>
/// </remarks>
public readonly record struct ConnAck(bool SessionPresent, ConnectReturnCode ReturnCode)
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0x20;

    /// <summary>The encoded size: always 4 bytes.</summary>
    public int EncodedLength => 4;

    /// <summary>Writes the packet.</summary>
    /// <exception cref="ArgumentException">Session Present with a refusal (MQTT-3.2.2-4).</exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        if (SessionPresent && ReturnCode != ConnectReturnCode.Accepted)
            ThrowHelper.Argument(nameof(SessionPresent), "a refusing CONNACK has Session Present 0 (MQTT-3.2.2-4).");
        var span = writer.GetSpan(4);
        span[0] = FirstByte;
        span[1] = 2;
        span[2] = SessionPresent ? (byte)1 : (byte)0;
        span[3] = (byte)ReturnCode;
        writer.Advance(4);
    }

    /// <summary>Reads the packet from its frame.</summary>
    /// <exception cref="MqttProtocolException">Wrong flags or length, reserved flag bits (3.1.1), or Session Present with a refusal (MQTT-3.2.2-4).</exception>
    public static ConnAck Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        const string Name = "CONNACK";
        MqttFrameReader.CheckFlags(frame, 0, Name, version);
        if (frame.RemainingLength != 2)
            ThrowHelper.Protocol(MqttErrorReason.MalformedLength, Name, $"Remaining Length is {frame.RemainingLength}, must be 2", 1, "MQTT-3.2");
        var reader = frame.CreateReader(Name);
        byte ackFlags = reader.ReadByte("acknowledge flags");
        var code = (ConnectReturnCode)reader.ReadByte("return code");
        // MQTT 3.1 §3.2: byte 3 is the unused "Topic Name Compression Response"; there is no Session Present.
        if (version == MqttProtocolVersion.V310) return new ConnAck(false, code);
        if ((ackFlags & 0xFE) != 0)
            ThrowHelper.Protocol(MqttErrorReason.InvalidConnAck, Name, $"acknowledge flags 0x{ackFlags:X2} set reserved bits 7-1", 2, "MQTT-3.2.2.1");
        bool sp = (ackFlags & 1) != 0;
        if (sp && code != ConnectReturnCode.Accepted)
            ThrowHelper.Protocol(MqttErrorReason.InvalidConnAck, Name, $"Session Present is 1 with return code {(byte)code}", 2, "MQTT-3.2.2-4");
        return new ConnAck(sp, code);
    }
}

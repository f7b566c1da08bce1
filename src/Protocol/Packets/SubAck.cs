using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>SUBACK (§3.9): the granted QoS of each filter of a SUBSCRIBE, in the same order.</summary>
/// <remarks>
/// <code>
/// byte 1      0x90               SUBACK, flags 0000
/// byte 2..    Remaining Length
/// packet id   2 bytes, the SUBSCRIBE's (MQTT-2.3.1-7)
/// payload     one return code per filter: 0x00, 0x01, 0x02 granted QoS, 0x80 failure (MQTT-3.9.3-2)
/// </code>
/// MQTT 3.1 has no failure code; 0x80 is accepted in both modes since it is never a valid granted QoS.
/// </remarks>
public readonly struct SubAck
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0x90;

    /// <summary>The failure return code.</summary>
    public const byte Failure = 0x80;

    /// <summary>Creates a SUBACK.</summary>
    public SubAck(ushort packetId, ReadOnlyMemory<byte> returnCodes)
    {
        PacketId = packetId;
        ReturnCodes = returnCodes;
    }

    /// <summary>The SUBSCRIBE's packet id.</summary>
    public ushort PacketId { get; }

    /// <summary>One code per filter.</summary>
    public ReadOnlyMemory<byte> ReturnCodes { get; }

    /// <summary>The exact encoded size.</summary>
    public int EncodedLength => PacketWriting.PacketLength(2 + ReturnCodes.Length);

    /// <summary>Writes the packet.</summary>
    /// <exception cref="ArgumentException">Packet id 0, no codes, or a reserved code.</exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        PacketWriting.CheckPacketId(PacketId, "SUBACK");
        if (ReturnCodes.IsEmpty) ThrowHelper.Argument(nameof(ReturnCodes), "SUBACK needs one return code per filter (MQTT-3.8.4-5).");
        foreach (byte c in ReturnCodes.Span)
            if (c > 2 && c != Failure) ThrowHelper.Argument(nameof(ReturnCodes), $"SUBACK return code 0x{c:X2} is reserved (MQTT-3.9.3-2).");
        int body = 2 + ReturnCodes.Length;
        int total = PacketWriting.PacketLength(body);
        var w = new SpanWriter(writer.GetSpan(total));
        w.WriteFixedHeader(FirstByte, body);
        w.WriteUInt16(PacketId);
        w.WriteRaw(ReturnCodes.Span);
        writer.Advance(total);
    }

    /// <summary>Reads the packet from its frame.</summary>
    /// <exception cref="MqttProtocolException">Wrong flags, packet id 0, no codes, or a reserved code (MQTT-3.9.3-2).</exception>
    public static SubAck Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        const string Name = "SUBACK";
        MqttFrameReader.CheckFlags(frame, 0, Name, version);
        var reader = frame.CreateReader(Name);
        ushort id = reader.ReadPacketId();
        long codesAt = reader.Position;
        var codes = reader.ReadRest().ToArray();
        if (codes.Length == 0) ThrowHelper.Protocol(MqttErrorReason.InvalidSubAck, Name, "no return code", codesAt, "MQTT-3.8.4-5");
        for (int i = 0; i < codes.Length; i++)
            if (codes[i] > 2 && codes[i] != Failure)
                ThrowHelper.Protocol(MqttErrorReason.InvalidSubAck, Name, $"return code 0x{codes[i]:X2} is reserved", codesAt + i, "MQTT-3.9.3-2");
        return new SubAck(id, codes);
    }
}

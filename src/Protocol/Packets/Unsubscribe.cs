using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>UNSUBSCRIBE (§3.10): removes subscriptions by exact filter.</summary>
/// <remarks>
/// <code>
/// byte 1      0xA2               UNSUBSCRIBE, flags 0010 (MQTT-3.10.1-1)
/// byte 2..    Remaining Length
/// packet id   2 bytes, non-zero
/// payload     one or more filters, each 2-byte length + UTF-8 (MQTT-3.10.3-1, MQTT-3.10.3-2)
/// </code>
/// </remarks>
public readonly struct Unsubscribe
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0xA2;

    /// <summary>Creates an UNSUBSCRIBE.</summary>
    public Unsubscribe(ushort packetId, IReadOnlyList<string> filters)
    {
        PacketId = packetId;
        Filters = filters;
    }

    /// <summary>The packet id, echoed by the UNSUBACK.</summary>
    public ushort PacketId { get; }

    /// <summary>The filters to remove.</summary>
    public IReadOnlyList<string> Filters { get; }

    /// <summary>The exact encoded size.</summary>
    public int EncodedLength => PacketWriting.PacketLength(Measure());

    private int Measure()
    {
        PacketWriting.CheckPacketId(PacketId, "UNSUBSCRIBE");
        if (Filters is null || Filters.Count == 0)
            ThrowHelper.Argument(nameof(Filters), "UNSUBSCRIBE needs at least one topic filter (MQTT-3.10.3-2).");
        int body = 2;
        foreach (var f in Filters) body += 2 + TopicFilter.GetByteCount(f, nameof(Filters));
        return body;
    }

    /// <summary>Writes the packet.</summary>
    /// <exception cref="ArgumentException">Packet id 0, no filters, or an invalid filter.</exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        int body = Measure();
        int total = PacketWriting.PacketLength(body);
        var w = new SpanWriter(writer.GetSpan(total));
        w.WriteFixedHeader(FirstByte, body);
        w.WriteUInt16(PacketId);
        foreach (var f in Filters) w.WriteString(f, MqttUtf8.GetByteCount(f, nameof(Filters)));
        writer.Advance(total);
    }

    /// <summary>Reads an UNSUBSCRIBE (a broker's view; used by tests and test brokers).</summary>
    /// <exception cref="MqttProtocolException">Wrong flags, packet id 0, no filters, or an invalid filter.</exception>
    public static Unsubscribe Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        const string Name = "UNSUBSCRIBE";
        MqttFrameReader.CheckFlags(frame, 0b0010, Name, version);
        var reader = frame.CreateReader(Name);
        ushort id = reader.ReadPacketId();
        if (reader.Remaining == 0) ThrowHelper.Protocol(MqttErrorReason.EmptyPayload, Name, "no topic filter", reader.Position, "MQTT-3.10.3-2");
        var list = new List<string>();
        while (reader.Remaining > 0) list.Add(Subscribe.ReadFilter(ref reader));
        return new Unsubscribe(id, list);
    }
}

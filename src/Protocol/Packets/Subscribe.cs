using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>One topic filter and the QoS requested for it.</summary>
public readonly record struct Subscription(string Filter, QualityOfService QoS);

/// <summary>SUBSCRIBE (§3.8): asks for messages matching one or more topic filters.</summary>
/// <remarks>
/// <code>
/// byte 1      0x82                    SUBSCRIBE, flags 0010 (MQTT-3.8.1-1)
/// byte 2..    Remaining Length
/// packet id   2 bytes, non-zero
/// payload     one or more of: filter (2-byte length + UTF-8), requested QoS byte (bits 7-2 zero)
///             (MQTT-3.8.3-1, MQTT-3.8.3-3, MQTT-3.8.3-4)
/// </code>
/// </remarks>
public readonly struct Subscribe
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0x82;

    /// <summary>Creates a SUBSCRIBE.</summary>
    public Subscribe(ushort packetId, IReadOnlyList<Subscription> subscriptions)
    {
        PacketId = packetId;
        Subscriptions = subscriptions;
    }

    /// <summary>The packet id, echoed by the SUBACK.</summary>
    public ushort PacketId { get; }

    /// <summary>The filters and requested QoS, in order; the SUBACK codes follow this order (MQTT-3.9.3-1).</summary>
    public IReadOnlyList<Subscription> Subscriptions { get; }

    /// <summary>The exact encoded size.</summary>
    public int EncodedLength => PacketWriting.PacketLength(Measure());

    private int Measure()
    {
        PacketWriting.CheckPacketId(PacketId, "SUBSCRIBE");
        if (Subscriptions is null || Subscriptions.Count == 0)
            ThrowHelper.Argument(nameof(Subscriptions), "SUBSCRIBE needs at least one topic filter (MQTT-3.8.3-3).");
        int body = 2;
        foreach (var s in Subscriptions)
        {
            PacketWriting.CheckQoS(s.QoS, nameof(Subscription.QoS), "MQTT-3.8.3-4");
            body += 2 + TopicFilter.GetByteCount(s.Filter, nameof(Subscription.Filter)) + 1;
        }
        return body;
    }

    /// <summary>Writes the packet.</summary>
    /// <exception cref="ArgumentException">Packet id 0, no filters, an invalid filter, or QoS 3.</exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        int body = Measure();
        int total = PacketWriting.PacketLength(body);
        var w = new SpanWriter(writer.GetSpan(total));
        w.WriteFixedHeader(FirstByte, body);
        w.WriteUInt16(PacketId);
        foreach (var s in Subscriptions)
        {
            w.WriteString(s.Filter, MqttUtf8.GetByteCount(s.Filter, nameof(s.Filter)));
            w.WriteByte((byte)s.QoS);
        }
        writer.Advance(total);
    }

    /// <summary>Reads a SUBSCRIBE (a broker's view; used by tests and test brokers).</summary>
    /// <exception cref="MqttProtocolException">Wrong flags, packet id 0, no filters, an invalid filter, or a bad QoS byte.</exception>
    public static Subscribe Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        const string Name = "SUBSCRIBE";
        MqttFrameReader.CheckFlags(frame, 0b0010, Name, version);
        var reader = frame.CreateReader(Name);
        ushort id = reader.ReadPacketId();
        if (reader.Remaining == 0) ThrowHelper.Protocol(MqttErrorReason.EmptyPayload, Name, "no topic filter", reader.Position, "MQTT-3.8.3-3");
        var list = new List<Subscription>();
        while (reader.Remaining > 0)
        {
            string filter = ReadFilter(ref reader);
            long qosAt = reader.Position;
            byte qos = reader.ReadByte("requested QoS");
            if (qos > 2) ThrowHelper.Protocol(MqttErrorReason.InvalidQoS, Name, $"requested QoS byte is 0x{qos:X2}", qosAt, "MQTT-3.8.3-4");
            list.Add(new Subscription(filter, (QualityOfService)qos));
        }
        return new Subscribe(id, list);
    }

    internal static string ReadFilter(ref MqttReader reader)
    {
        var bytes = reader.ReadUtf8("topic filter", out long at);
        string filter = MqttUtf8.Decode(bytes.Span);
        int bad = TopicFilter.FindInvalid(filter, out var problem, out var specId);
        // FindInvalid counts UTF-16 characters; the error offset counts bytes, so re-measure the prefix.
        if (bad >= 0)
            ThrowHelper.Protocol(MqttErrorReason.InvalidTopicFilter, reader.Packet, problem,
                at + System.Text.Encoding.UTF8.GetByteCount(filter.AsSpan(0, bad)), specId);
        return filter;
    }
}

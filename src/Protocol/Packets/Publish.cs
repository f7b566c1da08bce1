using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>PUBLISH (§3.3): an application message, in either direction.</summary>
/// <remarks>
/// <code>
/// byte 1        0011 DUP QoS QoS RETAIN   (MQTT-3.3.1-1..4: DUP=0 at QoS 0, QoS 3 is malformed)
/// byte 2..      Remaining Length
/// topic name    2-byte length + UTF-8, no wildcards (MQTT-3.3.2-1, MQTT-3.3.2-2)
/// packet id     2 bytes, only when QoS &gt; 0 (MQTT-2.3.1-5)
/// payload       the rest; may be empty (§3.3.3)
/// </code>
/// A decoded PUBLISH refers to the receive buffer: its topic and payload are valid until that buffer is released.
/// </remarks>
public readonly struct Publish
{
    /// <summary>Creates a PUBLISH. Validation happens when it is written.</summary>
    public Publish(TopicName topic, ReadOnlySequence<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, ushort packetId = 0, bool dup = false)
    {
        Topic = topic;
        Payload = payload;
        QoS = qos;
        Retain = retain;
        PacketId = packetId;
        Dup = dup;
    }

    /// <summary>Creates a PUBLISH over a contiguous payload.</summary>
    public Publish(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, ushort packetId = 0, bool dup = false)
        : this(topic, new ReadOnlySequence<byte>(payload), qos, retain, packetId, dup)
    {
    }

    /// <summary>The topic name.</summary>
    public TopicName Topic { get; }

    /// <summary>The application message.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>The QoS of this delivery.</summary>
    public QualityOfService QoS { get; }

    /// <summary>The RETAIN flag.</summary>
    public bool Retain { get; }

    /// <summary>The packet id; 0 at QoS 0, non-zero otherwise.</summary>
    public ushort PacketId { get; }

    /// <summary>The DUP flag: set on a re-delivery (MQTT-3.3.1-1).</summary>
    public bool Dup { get; }

    /// <summary>The same message with DUP set and the given packet id.</summary>
    public Publish WithDelivery(ushort packetId, bool dup) => new(Topic, Payload, QoS, Retain, packetId, dup);

    /// <summary>The first byte on the wire.</summary>
    public byte FirstByte => (byte)(0x30 | (Dup ? 0x08 : 0) | ((byte)QoS << 1) | (Retain ? 0x01 : 0));

    private int BodyLength => 2 + Topic.Utf8.Length + (QoS == QualityOfService.AtMostOnce ? 0 : 2) + (int)Payload.Length;

    /// <summary>The exact encoded size.</summary>
    public int EncodedLength => PacketWriting.PacketLength(BodyLength);

    /// <summary>Writes the packet: size first, one span, one advance; the payload is copied once.</summary>
    /// <exception cref="ArgumentException">No topic, QoS 3, DUP at QoS 0, a packet id that does not fit the QoS, or a body above 268,435,455 bytes.</exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        Validate();
        int body = BodyLength;
        int total = PacketWriting.PacketLength(body);
        var w = new SpanWriter(writer.GetSpan(total));
        w.WriteFixedHeader(FirstByte, body);
        w.WriteBinary(Topic.Utf8.Span);
        if (QoS != QualityOfService.AtMostOnce) w.WriteUInt16(PacketId);
        w.WriteRaw(Payload);
        writer.Advance(total);
    }

    private void Validate()
    {
        if (Topic.IsEmpty) ThrowHelper.Argument("topic", "PUBLISH needs a topic name (MQTT-4.7.3-1).");
        PacketWriting.CheckQoS(QoS, "qos");
        if (QoS == QualityOfService.AtMostOnce)
        {
            if (PacketId != 0) ThrowHelper.Argument("packetId", "a QoS 0 PUBLISH has no packet identifier (MQTT-2.3.1-5).");
            if (Dup) ThrowHelper.Argument("dup", "a QoS 0 PUBLISH has DUP 0 (MQTT-3.3.1-2).");
        }
        else
        {
            PacketWriting.CheckPacketId(PacketId, "PUBLISH at QoS 1 or 2");
        }
    }

    /// <summary>Reads a PUBLISH from its frame; topic and payload are slices of the frame.</summary>
    /// <exception cref="MqttProtocolException">Any rule of §3.3 broken; the message names the rule and byte.</exception>
    public static Publish Read(in MqttFrame frame, MqttProtocolVersion version)
    {
        const string Name = "PUBLISH";
        byte flags = frame.Flags;
        int qos = (flags >> 1) & 0x03;
        bool dup = (flags & 0x08) != 0;
        if (qos == 3) ThrowHelper.Protocol(MqttErrorReason.InvalidQoS, Name, "QoS bits are 11 (QoS 3)", 0, "MQTT-3.3.1-4");
        if (qos == 0 && dup) ThrowHelper.Protocol(MqttErrorReason.InvalidFlags, Name, "DUP is set on a QoS 0 message", 0, "MQTT-3.3.1-2");

        var reader = frame.CreateReader(Name);
        var topic = reader.ReadUtf8("topic", out long topicAt);
        int bad = TopicName.Validate(topic.Span, out var problem, out var specId);
        if (bad >= 0) ThrowHelper.Protocol(MqttErrorReason.InvalidTopicName, Name, problem, topicAt + bad, specId);
        ushort packetId = qos == 0 ? (ushort)0 : reader.ReadPacketId();
        var payload = reader.ReadRest();
        return new Publish(TopicName.FromValidated(topic), payload, (QualityOfService)qos, (flags & 0x01) != 0, packetId, dup);
    }
}

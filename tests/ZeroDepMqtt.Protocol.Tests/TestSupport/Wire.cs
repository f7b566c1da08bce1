using System.Buffers;
using System.Text;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Protocol.Tests.TestSupport;

/// <summary>Encode, frame and decode helpers shared by the packet tests and the properties.</summary>
internal static class Wire
{
    /// <summary>Encodes any packet struct of the codec.</summary>
    public static byte[] Encode(object packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        WriteTo(packet, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static void WriteTo(object packet, IBufferWriter<byte> writer)
    {
        switch (packet)
        {
            case Connect p: p.WriteTo(writer); break;
            case ConnAck p: p.WriteTo(writer); break;
            case Publish p: p.WriteTo(writer); break;
            case PubAck p: p.WriteTo(writer); break;
            case PubRec p: p.WriteTo(writer); break;
            case PubRel p: p.WriteTo(writer); break;
            case PubComp p: p.WriteTo(writer); break;
            case Subscribe p: p.WriteTo(writer); break;
            case SubAck p: p.WriteTo(writer); break;
            case Unsubscribe p: p.WriteTo(writer); break;
            case UnsubAck p: p.WriteTo(writer); break;
            case PingReq p: p.WriteTo(writer); break;
            case PingResp p: p.WriteTo(writer); break;
            case Disconnect p: p.WriteTo(writer); break;
            default: throw new ArgumentException($"not a packet: {packet.GetType()}");
        }
    }

    public static int EncodedLength(object packet) => packet switch
    {
        Connect p => p.EncodedLength,
        ConnAck p => p.EncodedLength,
        Publish p => p.EncodedLength,
        PubAck p => p.EncodedLength,
        PubRec p => p.EncodedLength,
        PubRel p => p.EncodedLength,
        PubComp p => p.EncodedLength,
        Subscribe p => p.EncodedLength,
        SubAck p => p.EncodedLength,
        Unsubscribe p => p.EncodedLength,
        UnsubAck p => p.EncodedLength,
        PingReq p => p.EncodedLength,
        PingResp p => p.EncodedLength,
        Disconnect p => p.EncodedLength,
        _ => throw new ArgumentException($"not a packet: {packet.GetType()}"),
    };

    /// <summary>Frames exactly one packet from <paramref name="bytes"/>; fails if bytes are left over.</summary>
    public static MqttFrame Frame(byte[] bytes, int maxPacketSize = MqttFrameReader.DefaultMaxPacketSize)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttFrameReader.TryRead(ref buffer, maxPacketSize, out var frame), "TryRead wanted more bytes");
        Assert.Equal(0, buffer.Length);
        return frame;
    }

    public static MqttFrame Frame(string hex) => Frame(Hex.Parse(hex));

    /// <summary>Decodes a frame with the reader of its type.</summary>
    public static object Decode(in MqttFrame frame, MqttProtocolVersion version) => frame.Type switch
    {
        PacketType.Connect => Connect.Read(frame),
        PacketType.ConnAck => ConnAck.Read(frame, version),
        PacketType.Publish => Publish.Read(frame, version),
        PacketType.PubAck => PubAck.Read(frame, version),
        PacketType.PubRec => PubRec.Read(frame, version),
        PacketType.PubRel => PubRel.Read(frame, version),
        PacketType.PubComp => PubComp.Read(frame, version),
        PacketType.Subscribe => Subscribe.Read(frame, version),
        PacketType.SubAck => SubAck.Read(frame, version),
        PacketType.Unsubscribe => Unsubscribe.Read(frame, version),
        PacketType.UnsubAck => UnsubAck.Read(frame, version),
        PacketType.PingReq => PingReq.Read(frame, version),
        PacketType.PingResp => PingResp.Read(frame, version),
        PacketType.Disconnect => Disconnect.Read(frame, version),
        _ => throw new InvalidOperationException($"TryRead returned type {frame.Type}"),
    };

    /// <summary>Frames and decodes one packet given as hex.</summary>
    public static object Decode(string hex, MqttProtocolVersion version = MqttProtocolVersion.V311)
        => Decode(Frame(hex), version);

    /// <summary>
    /// A canonical text of every field a packet carries, so an original and a decoded packet compare equal
    /// exactly when the wire carries the same information (Will QoS/Retain only count with a Will).
    /// </summary>
    public static string Describe(object packet) => packet switch
    {
        Connect p => $"CONNECT v={p.Version} id=[{Text(p.ClientId)}] clean={p.CleanSession} ka={p.KeepAliveSeconds} "
            + (p.WillTopic is null ? "nowill " : $"will=[{Text(p.WillTopic)}] msg={Hex.Format(p.WillMessage.Span)} wqos={p.WillQoS} wretain={p.WillRetain} ")
            + (p.UserName is null ? "nouser " : $"user=[{Text(p.UserName)}] ")
            + (p.Password is { } pw ? $"pw={Hex.Format(pw)}" : "nopw"),
        ConnAck p => $"CONNACK sp={p.SessionPresent} rc={(byte)p.ReturnCode}",
        Publish p => $"PUBLISH topic={Hex.Format(p.Topic.Utf8.Span)} qos={p.QoS} retain={p.Retain} dup={p.Dup} id={p.PacketId} payload={Hex.Format(p.Payload.ToArray())}",
        PubAck p => $"PUBACK {p.PacketId}",
        PubRec p => $"PUBREC {p.PacketId}",
        PubRel p => $"PUBREL {p.PacketId}",
        PubComp p => $"PUBCOMP {p.PacketId}",
        Subscribe p => $"SUBSCRIBE {p.PacketId} " + string.Join(" ", p.Subscriptions.Select(s => $"[{Text(s.Filter)}]:{(byte)s.QoS}")),
        SubAck p => $"SUBACK {p.PacketId} {Hex.Format(p.ReturnCodes.Span)}",
        Unsubscribe p => $"UNSUBSCRIBE {p.PacketId} " + string.Join(" ", p.Filters.Select(f => $"[{Text(f)}]")),
        UnsubAck p => $"UNSUBACK {p.PacketId}",
        PingReq => "PINGREQ",
        PingResp => "PINGRESP",
        Disconnect => "DISCONNECT",
        _ => throw new ArgumentException($"not a packet: {packet.GetType()}"),
    };

    // Strings as UTF-8 hex so that look-alike characters never compare equal by accident.
    private static string Text(string s) => Hex.Format(Encoding.UTF8.GetBytes(s));
}

using System.Buffers;
using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>
/// Decodes one frame as its packet type for one protocol version into a normalised text (every field, bytes as hex),
/// or the <see cref="MqttProtocolException"/>'s reason, packet and offset. A decoded packet is also re-encoded and
/// decoded again: the text must survive the round trip.
/// </summary>
internal static class PacketText
{
    public static string Describe(in MqttFrame frame, MqttProtocolVersion version)
    {
        string text;
        try
        {
            text = Decode(frame, version, out var encode);
            RoundTrip(frame, version, text, encode);
        }
        catch (MqttProtocolException e)
        {
            text = Error(e);
        }
        return text;
    }

    public static string Error(MqttProtocolException e) => $"error {e.Reason} {e.Packet ?? "-"} at {e.Offset} ({e.SpecId ?? "-"})";

    /// <summary>The normalised text; <paramref name="encode"/> writes the decoded packet back.</summary>
    public static string Decode(in MqttFrame frame, MqttProtocolVersion version, out Action<IBufferWriter<byte>>? encode)
    {
        encode = null;
        switch (frame.Type)
        {
            case PacketType.Connect:
            {
                var c = Connect.Read(frame);
                encode = c.WriteTo;
                return $"CONNECT v{(byte)c.Version} id={Hex(c.ClientId)} clean={c.CleanSession} ka={c.KeepAliveSeconds} "
                    + $"user={Hex(c.UserName)} pw={Hex(c.Password)} will={Hex(c.WillTopic)}/{Hex(c.WillMessage.Span)}/q{(byte)c.WillQoS}/r{c.WillRetain}";
            }
            case PacketType.ConnAck:
            {
                var a = ConnAck.Read(frame, version);
                encode = a.WriteTo;
                return $"CONNACK sp={a.SessionPresent} rc={(byte)a.ReturnCode}";
            }
            case PacketType.Publish:
            {
                var p = Publish.Read(frame, version);
                // The payload is a slice of the caller's buffer: copy it for the encoder.
                var copy = new Publish(p.Topic, p.Payload.ToArray(), p.QoS, p.Retain, p.PacketId, p.Dup);
                encode = copy.WriteTo;
                return $"PUBLISH q{(byte)p.QoS} r={p.Retain} dup={p.Dup} id={p.PacketId} topic={Hex(p.Topic.Utf8.Span)} payload={Hex(p.Payload.ToArray())}";
            }
            case PacketType.PubAck:
            {
                var a = PubAck.Read(frame, version);
                encode = a.WriteTo;
                return $"PUBACK {a.PacketId}";
            }
            case PacketType.PubRec:
            {
                var a = PubRec.Read(frame, version);
                encode = a.WriteTo;
                return $"PUBREC {a.PacketId}";
            }
            case PacketType.PubRel:
            {
                var a = PubRel.Read(frame, version);
                encode = a.WriteTo;
                return $"PUBREL {a.PacketId}";
            }
            case PacketType.PubComp:
            {
                var a = PubComp.Read(frame, version);
                encode = a.WriteTo;
                return $"PUBCOMP {a.PacketId}";
            }
            case PacketType.Subscribe:
            {
                var s = Subscribe.Read(frame, version);
                encode = s.WriteTo;
                var sb = new StringBuilder($"SUBSCRIBE {s.PacketId}");
                foreach (var sub in s.Subscriptions) sb.Append($" {Hex(sub.Filter)}/q{(byte)sub.QoS}");
                return sb.ToString();
            }
            case PacketType.SubAck:
            {
                var a = SubAck.Read(frame, version);
                encode = a.WriteTo;
                return $"SUBACK {a.PacketId} {Hex(a.ReturnCodes.Span)}";
            }
            case PacketType.Unsubscribe:
            {
                var u = Unsubscribe.Read(frame, version);
                encode = u.WriteTo;
                var sb = new StringBuilder($"UNSUBSCRIBE {u.PacketId}");
                foreach (var f in u.Filters) sb.Append($" {Hex(f)}");
                return sb.ToString();
            }
            case PacketType.UnsubAck:
            {
                var a = UnsubAck.Read(frame, version);
                encode = a.WriteTo;
                return $"UNSUBACK {a.PacketId}";
            }
            case PacketType.PingReq:
                PingReq.Read(frame, version);
                encode = default(PingReq).WriteTo;
                return "PINGREQ";
            case PacketType.PingResp:
                PingResp.Read(frame, version);
                encode = default(PingResp).WriteTo;
                return "PINGRESP";
            case PacketType.Disconnect:
                Disconnect.Read(frame, version);
                encode = default(Disconnect).WriteTo;
                return "DISCONNECT";
            default:
                // MqttFrameReader refuses types 0 and 15, so every frame has one of the types above.
                throw new HarnessFailure($"MqttFrameReader returned a frame of reserved type {(int)frame.Type}");
        }
    }

    private static void RoundTrip(in MqttFrame frame, MqttProtocolVersion version, string text, Action<IBufferWriter<byte>>? encode)
    {
        if (encode is null) return;
        var writer = new ArrayBufferWriter<byte>();
        try
        {
            encode(writer);
        }
        catch (ArgumentException) when (frame.Type == PacketType.Connect)
        {
            // The CONNECT reader is a broker's view and leaves semantic checks (3.1 client id length, an empty id
            // without CleanSession: MQTT-3.1.3-8 wants a CONNACK refusal, not a malformed packet) to the broker.
            return;
        }
        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);
        if (!MqttFrameReader.TryRead(ref buffer, int.MaxValue, out var again) || !buffer.IsEmpty)
            throw new HarnessFailure($"re-encoded {text} is not exactly one frame: {Hex(writer.WrittenSpan)}");
        string second;
        try
        {
            second = Decode(again, version, out _);
        }
        catch (MqttProtocolException e)
        {
            throw new HarnessFailure($"re-encoded {text} does not decode: {Error(e)}; bytes {Hex(writer.WrittenSpan)}");
        }
        if (second != text) throw new HarnessFailure($"round trip changed the packet: {text} became {second}");
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    private static string Hex(string? s) => s is null ? "null" : Convert.ToHexString(Encoding.UTF8.GetBytes(s));

    private static string Hex(byte[]? b) => b is null ? "null" : Convert.ToHexString(b);
}

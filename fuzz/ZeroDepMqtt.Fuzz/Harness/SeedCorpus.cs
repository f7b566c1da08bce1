using System.Buffers;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>
/// The seed corpus: every packet type, valid, for MQTT 3.1 and 3.1.1 (decoder), and short scripts that walk the
/// QoS 1 and 2 flows, reconnects, FailAll, requests and keep-alive (session). Written by <c>--make-corpus</c>.
/// </summary>
internal static class SeedCorpus
{
    public static IEnumerable<(string Name, byte[] Bytes)> Decoder()
    {
        var topic = TopicName.Create("a/b");
        byte[] payload = "hello"u8.ToArray();
        foreach (var version in new[] { MqttProtocolVersion.V310, MqttProtocolVersion.V311 })
        {
            string v = version == MqttProtocolVersion.V310 ? "31" : "311";
            yield return ($"connect-{v}-min", Encode(new Connect(version, "c1").WriteTo));
            yield return ($"connect-{v}-full", Encode(new Connect(version, "client-1")
            {
                CleanSession = false,
                KeepAliveSeconds = 60,
                UserName = "user",
                Password = "pw"u8.ToArray(),
                WillTopic = "will/t",
                WillMessage = "gone"u8.ToArray(),
                WillQoS = QualityOfService.AtLeastOnce,
                WillRetain = true,
            }.WriteTo));
        }
        yield return ("connack-311-sp", [0x20, 2, 1, 0]);
        yield return ("connack-311-refused", [0x20, 2, 0, 5]);
        yield return ("connack-31-byte3", [0x20, 2, 0x80, 0]);
        yield return ("publish-q0", Encode(new Publish(topic, payload).WriteTo));
        yield return ("publish-q0-retain-empty", Encode(new Publish(topic, ReadOnlyMemory<byte>.Empty, retain: true).WriteTo));
        yield return ("publish-q1", Encode(new Publish(topic, payload, QualityOfService.AtLeastOnce, packetId: 7).WriteTo));
        yield return ("publish-q2-dup", Encode(new Publish(topic, payload, QualityOfService.ExactlyOnce, packetId: 0x1234, dup: true).WriteTo));
        yield return ("publish-long", Encode(new Publish(TopicName.Create("t/\u00e9/\U0001F600"), new byte[300], QualityOfService.AtLeastOnce, packetId: 1).WriteTo));
        yield return ("puback", Encode(new PubAck(1).WriteTo));
        yield return ("pubrec", Encode(new PubRec(2).WriteTo));
        yield return ("pubrel", Encode(new PubRel(3).WriteTo));
        yield return ("pubrel-31-dup", [0x6A, 2, 0, 3]);
        yield return ("pubcomp", Encode(new PubComp(0xFFFF).WriteTo));
        var subs = new List<Subscription> { new("a/+/c", QualityOfService.AtMostOnce), new("#", QualityOfService.ExactlyOnce), new("x/y", QualityOfService.AtLeastOnce) };
        yield return ("subscribe", Encode(new Subscribe(10, subs).WriteTo));
        yield return ("subscribe-31-dup", [0x8A, 6, 0, 10, 0, 1, (byte)'a', 1]);
        yield return ("suback", Encode(new SubAck(10, new byte[] { 0, 1, 2, 0x80 }).WriteTo));
        yield return ("unsubscribe", Encode(new Unsubscribe(11, ["a/+/c", "#"]).WriteTo));
        yield return ("unsubscribe-31-dup", [0xAA, 5, 0, 11, 0, 1, (byte)'a']);
        yield return ("unsuback", Encode(new UnsubAck(11).WriteTo));
        yield return ("pingreq", Encode(default(PingReq).WriteTo));
        yield return ("pingresp", Encode(default(PingResp).WriteTo));
        yield return ("disconnect", Encode(default(Disconnect).WriteTo));
        // A receive loop's view: several packets back to back, the last one cut short.
        var stream = new ArrayBufferWriter<byte>();
        new ConnAck(false, ConnectReturnCode.Accepted).WriteTo(stream);
        new Publish(topic, payload, QualityOfService.ExactlyOnce, packetId: 5).WriteTo(stream);
        new PubRel(5).WriteTo(stream);
        new SubAck(1, new byte[] { 1 }).WriteTo(stream);
        default(PingResp).WriteTo(stream);
        new Publish(topic, new byte[200], QualityOfService.AtLeastOnce, packetId: 6).WriteTo(stream);
        yield return ("stream", stream.WrittenSpan[..^3].ToArray());
    }

    public static IEnumerable<(string Name, byte[] Bytes)> Session()
    {
        // Option byte a: bit 0 MQTT 3.1, bit 1 CleanSession, bits 2-4 window-1, bits 5-6 QoS 2 window-1, bit 7 keep-alive.
        const byte Window4 = 3 << 2, Qos2Window2 = 1 << 5;
        foreach (byte version in new byte[] { 0, 1 })
        {
            string v = version == 1 ? "31" : "311";
            byte a = (byte)(version | Window4 | Qos2Window2);
            yield return ($"qos1-{v}", Script(a, 0xFF, Op(SessionOp.Reconnect, 0), Op(SessionOp.Publish, 1), Op(SessionOp.Flush),
                Op(SessionOp.Ack, 0, 0), Op(SessionOp.Publish, 0), Op(SessionOp.Flush)));
            yield return ($"qos2-{v}", Script(a, 0xFF, Op(SessionOp.Reconnect, 0), Op(SessionOp.Publish, 2), Op(SessionOp.Flush),
                Op(SessionOp.Ack, 0, 0), Op(SessionOp.Flush), Op(SessionOp.Ack, 0, 0)));
            yield return ($"lost-resend-{v}", Script(a, 0xFF, Op(SessionOp.Reconnect, 0), Op(SessionOp.Publish, 1), Op(SessionOp.Publish, 2),
                Op(SessionOp.Flush), Op(SessionOp.Ack, 1, 0), Op(SessionOp.Flush), Op(SessionOp.Lost), Op(SessionOp.Publish, 1),
                Op(SessionOp.Reconnect, 1), Op(SessionOp.Flush), Op(SessionOp.Ack, 0, 0)));
            yield return ($"failall-{v}", Script(a, 0xFF, Op(SessionOp.Reconnect, 0), Op(SessionOp.Publish, 2), Op(SessionOp.Publish, 1),
                Op(SessionOp.Flush), Op(SessionOp.Ack, 0, 0), Op(SessionOp.Flush), Op(SessionOp.FailAll), Op(SessionOp.Publish, 2),
                Op(SessionOp.Reconnect, 1), Op(SessionOp.Flush)));
            yield return ($"requests-{v}", Script(a, 0xFF, Op(SessionOp.Subscribe, 2), Op(SessionOp.Up), Op(SessionOp.ConnAck, 0),
                Op(SessionOp.Flush), Op(SessionOp.Unsubscribe, 1), Op(SessionOp.Flush), Op(SessionOp.Answer, 1), Op(SessionOp.Answer, 9),
                Op(SessionOp.Subscribe, 0), Op(SessionOp.Flush), Op(SessionOp.Answer, 5)));
            yield return ($"keepalive-{v}", Script((byte)(a | 0x80), 0xFF, Op(SessionOp.Reconnect, 0), Op(SessionOp.Time, 20), Op(SessionOp.Flush),
                Op(SessionOp.Answer, 0), Op(SessionOp.Time, 21), Op(SessionOp.Flush), Op(SessionOp.Time, 13), Op(SessionOp.Up),
                Op(SessionOp.Time, 17)));
            yield return ($"clean-window1-{v}", Script((byte)(version | 2), 0x13, Op(SessionOp.Reconnect, 1), Op(SessionOp.Publish, 2),
                Op(SessionOp.Publish, 9), Op(SessionOp.Publish, 0), Op(SessionOp.Flush), Op(SessionOp.Ack, 0, 0), Op(SessionOp.Lost),
                Op(SessionOp.Reconnect, 0), Op(SessionOp.Flush), Op(SessionOp.Disconnect), Op(SessionOp.Flush)));
            yield return ($"wrong-acks-{v}", Script(a, 0xFF, Op(SessionOp.Reconnect, 0), Op(SessionOp.Publish, 1), Op(SessionOp.Publish, 2),
                Op(SessionOp.Flush), Op(SessionOp.Ack, 0, 2), Op(SessionOp.Reconnect, 1), Op(SessionOp.Flush), Op(SessionOp.Ack, 1, 1),
                Op(SessionOp.Up), Op(SessionOp.ConnAck, 3), Op(SessionOp.Up), Op(SessionOp.ConnAck, 1), Op(SessionOp.ConnAck, 0)));
            // The broker's own packets, raw: PUBLISH at each QoS, PUBREL, PINGRESP, a stray SUBACK, then a reserved type.
            var raw = new ArrayBufferWriter<byte>();
            var topic = TopicName.Create("in");
            new Publish(topic, "x"u8.ToArray()).WriteTo(raw);
            new Publish(topic, "y"u8.ToArray(), QualityOfService.AtLeastOnce, packetId: 3).WriteTo(raw);
            new Publish(topic, "z"u8.ToArray(), QualityOfService.ExactlyOnce, packetId: 4).WriteTo(raw);
            new Publish(topic, "z"u8.ToArray(), QualityOfService.ExactlyOnce, packetId: 4, dup: true).WriteTo(raw);
            new PubRel(4).WriteTo(raw);
            default(PingResp).WriteTo(raw);
            new SubAck(9, new byte[] { 0 }).WriteTo(raw);
            byte[] packets = raw.WrittenSpan.ToArray();
            yield return ($"raw-{v}", Script(a, 0xFF, Op(SessionOp.Reconnect, 0), Op(SessionOp.Raw, (byte)packets.Length).Concat(packets).ToArray(),
                Op(SessionOp.Flush), Op(SessionOp.Raw, 2, 0xF0, 0)));
        }
    }

    /// <summary>Writes both corpora under <paramref name="root"/> (decoder/ and session/), replacing what was there.</summary>
    public static void Write(string root)
    {
        foreach (var (dir, seeds) in new[] { ("decoder", Decoder()), ("session", Session()) })
        {
            string path = Path.Combine(root, dir);
            Directory.CreateDirectory(path);
            foreach (var old in Directory.GetFiles(path, "*.bin")) File.Delete(old);
            foreach (var (name, bytes) in seeds) File.WriteAllBytes(Path.Combine(path, name + ".bin"), bytes);
        }
    }

    private static byte[] Op(SessionOp op, params byte[] args) => [(byte)op, .. args];

    private static byte[] Script(byte options, byte queue, params byte[][] ops) => [options, queue, .. ops.SelectMany(o => o)];

    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        return w.WrittenSpan.ToArray();
    }
}

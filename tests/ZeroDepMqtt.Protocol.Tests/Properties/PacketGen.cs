using FsCheck;
using FsCheck.Fluent;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Protocol.Tests.Properties;

/// <summary>A valid packet and the protocol version it is exchanged under.</summary>
public sealed record PacketCase(object Packet, MqttProtocolVersion Version)
{
    public override string ToString() => $"{Version} {TestSupport.Wire.Describe(Packet)}";
}

/// <summary>Several packets of one connection, in order.</summary>
public sealed record PacketStream(PacketCase[] Packets, int[] Cuts)
{
    public override string ToString() => $"{Packets.Length} packets, cuts at [{string.Join(",", Cuts)}]";
}

/// <summary>A valid packet with one byte changed, or cut short.</summary>
public sealed record Damaged(PacketCase Case, int Position, byte Value, bool Truncate)
{
    public override string ToString() => $"{Case} {(Truncate ? $"cut at {Position}" : $"byte {Position} := 0x{Value:X2}")}";
}

/// <summary>FsCheck generators for every packet type of both versions.</summary>
public static class PacketGen
{
    // Characters chosen to cover 1-, 2-, 3- and 4-byte UTF-8 and U+FEFF; no U+0000, no wildcards.
    private static readonly string[] Chars = ["a", "Z", "0", " ", "-", "$", "é", "ß", "€", "中", "\uFEFF", "😀", "\u007F"];

    private static Gen<string> Text(int min, int max) =>
        from n in Gen.Choose(min, max)
        from parts in Gen.ArrayOf(Gen.Elements(Chars), n)
        select string.Concat(parts);

    private static Gen<string> Level => Text(0, 6);

    public static Gen<string> Topic =>
        (from n in Gen.Choose(1, 4)
         from levels in Gen.ArrayOf(Level, n)
         select string.Join("/", levels)).Where(t => t.Length > 0);

    public static Gen<string> Filter =>
        from n in Gen.Choose(1, 4)
        from levels in Gen.ArrayOf(Gen.Frequency((3, Level), (1, Gen.Constant("+"))), n)
        from hash in Gen.Elements(false, false, true)
        let joined = string.Join("/", levels)
        select hash ? (joined.Length == 0 && n == 1 ? "#" : joined + "/#") : (joined.Length == 0 ? "+" : joined);

    public static Gen<byte[]> Bytes(int max) =>
        from n in Gen.Frequency((4, Gen.Choose(0, 16)), (1, Gen.Choose(0, max)))
        from b in Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n)
        select b;

    public static Gen<ushort> Id => Gen.Frequency((4, Gen.Choose(1, 65535)), (1, Gen.Elements(1, 255, 256, 65535))).Select(i => (ushort)i);

    private static Gen<QualityOfService> QoS => Gen.Elements(QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce);

    private static Gen<MqttProtocolVersion> Version => Gen.Elements(MqttProtocolVersion.V310, MqttProtocolVersion.V311);

    private static Gen<string> ClientId(MqttProtocolVersion v) => v == MqttProtocolVersion.V310
        ? from n in Gen.Choose(1, 23) from cs in Gen.ArrayOf(Gen.Elements("abcXYZ0129".ToCharArray()), n) select new string(cs)
        : Text(0, 10);

    private static Gen<object> Connect(MqttProtocolVersion v) =>
        from id in ClientId(v)
        from clean in Gen.Elements(true, false)
        from ka in Gen.Choose(0, 65535)
        from will in Gen.Elements(true, false)
        from willTopic in Topic
        from willMessage in Bytes(300)
        from willQos in QoS
        from willRetain in Gen.Elements(true, false)
        from user in Text(0, 8).OrNull()
        from password in Bytes(40)
        from hasPassword in Gen.Elements(true, false)
        select (object)new Connect(v, id)
        {
            CleanSession = clean || id.Length == 0,
            KeepAliveSeconds = (ushort)ka,
            WillTopic = will ? willTopic : null,
            WillMessage = will ? willMessage : default,
            WillQoS = will ? willQos : QualityOfService.AtMostOnce,
            WillRetain = will && willRetain,
            UserName = user,
            Password = user is not null && hasPassword ? password : null,
        };

    private static Gen<object> Publish =>
        from topic in Topic
        from payload in Bytes(2000)
        from qos in QoS
        from retain in Gen.Elements(true, false)
        from dup in Gen.Elements(true, false)
        from id in Id
        select (object)(qos == QualityOfService.AtMostOnce
            ? new Publish(TopicName.Create(topic), payload, qos, retain)
            : new Publish(TopicName.Create(topic), payload, qos, retain, id, dup));

    private static Gen<object> Subscribe =>
        from id in Id
        from subs in Gen.NonEmptyListOf(Gen.Zip(Filter, QoS, (f, q) => new Subscription(f, q)))
        select (object)new Subscribe(id, subs.ToArray());

    private static Gen<object> SubAck =>
        from id in Id
        from codes in Gen.NonEmptyListOf(Gen.Elements<byte>(0, 1, 2, 0x80))
        select (object)new SubAck(id, codes.ToArray());

    private static Gen<object> Unsubscribe =>
        from id in Id
        from filters in Gen.NonEmptyListOf(Filter)
        select (object)new Unsubscribe(id, filters.ToArray());

    private static Gen<object> ConnAck(MqttProtocolVersion v) =>
        from sp in Gen.Elements(true, false)
        from code in Gen.Choose(0, 255)
        // 3.1 has no Session Present; in 3.1.1 it is 0 with a refusal (MQTT-3.2.2-4).
        select (object)new ConnAck(v == MqttProtocolVersion.V311 && sp && code == 0, (ConnectReturnCode)code);

    public static Gen<object> Packet(MqttProtocolVersion v) => Gen.OneOf(
        Connect(v), ConnAck(v), Publish, Publish, Publish,
        Id.Select(i => (object)new PubAck(i)), Id.Select(i => (object)new PubRec(i)),
        Id.Select(i => (object)new PubRel(i)), Id.Select(i => (object)new PubComp(i)),
        Subscribe, SubAck, Unsubscribe, Id.Select(i => (object)new UnsubAck(i)),
        Gen.Constant((object)new PingReq()), Gen.Constant((object)new PingResp()), Gen.Constant((object)new Disconnect()));

    public static Gen<PacketCase> Case =>
        from v in Version
        from p in Packet(v)
        select new PacketCase(p, v);

    public static Arbitrary<PacketCase> PacketCases() => Arb.From(Case);

    public static Arbitrary<PacketStream> PacketStreams() => Arb.From(
        from v in Version
        from n in Gen.Choose(1, 30)
        from packets in Gen.ArrayOf(Packet(v), n)
        let total = packets.Sum(p => TestSupport.Wire.EncodedLength(p))
        from cutCount in Gen.Choose(0, 40)
        from cuts in Gen.ArrayOf(Gen.Choose(1, Math.Max(1, total - 1)), cutCount)
        select new PacketStream(packets.Select(p => new PacketCase(p, v)).ToArray(), cuts));

    public static Arbitrary<Damaged> DamagedPackets() => Arb.From(
        from c in Case
        let length = TestSupport.Wire.EncodedLength(c.Packet)
        from position in Gen.Frequency((3, Gen.Choose(0, Math.Min(length - 1, 8))), (2, Gen.Choose(0, length - 1)))
        from value in Gen.Frequency((3, Gen.Choose(0, 255)), (1, Gen.Elements(0x00, 0x80, 0xFF, 0x23, 0x2B, 0xED, 0xC0)))
        from truncate in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new Damaged(c, position, (byte)value, truncate));
}

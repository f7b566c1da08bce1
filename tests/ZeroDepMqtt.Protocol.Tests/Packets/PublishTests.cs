using System.Buffers;
using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class PublishTests
{
    private static readonly TopicName AB = TopicName.Create("a/b");
    private static readonly byte[] Hi = "hi"u8.ToArray();

    // Topic "a/b" = 00 03 61 2F 62, payload "hi" = 68 69. First byte 0x30 | DUP<<3 | QoS<<1 | RETAIN.
    [Theory]
    [Trait("spec", "MQTT-3.3.1")]
    [Trait("spec", "MQTT-3.3.2-1")]
    [Trait("spec", "MQTT-2.3.1-5")]
    [InlineData(0, false, false, 0, "30 07 00 03 61 2F 62 68 69")]
    [InlineData(0, true, false, 0, "31 07 00 03 61 2F 62 68 69")]
    [InlineData(1, false, false, 10, "32 09 00 03 61 2F 62 00 0A 68 69")]
    [InlineData(1, true, false, 10, "33 09 00 03 61 2F 62 00 0A 68 69")]
    [InlineData(1, false, true, 10, "3A 09 00 03 61 2F 62 00 0A 68 69")]
    [InlineData(1, true, true, 65535, "3B 09 00 03 61 2F 62 FF FF 68 69")]
    [InlineData(2, false, false, 0x1234, "34 09 00 03 61 2F 62 12 34 68 69")]
    [InlineData(2, true, false, 0x1234, "35 09 00 03 61 2F 62 12 34 68 69")]
    [InlineData(2, false, true, 1, "3C 09 00 03 61 2F 62 00 01 68 69")]
    [InlineData(2, true, true, 1, "3D 09 00 03 61 2F 62 00 01 68 69")]
    public void Golden_bytes_at_each_qos_retain_and_dup(int qos, bool retain, bool dup, int id, string hex)
    {
        var publish = new Publish(AB, Hi, (QualityOfService)qos, retain, (ushort)id, dup);
        var bytes = Wire.Encode(publish);
        Assert.Equal(hex, Hex.Format(bytes));
        Assert.Equal(bytes.Length, publish.EncodedLength);
        Assert.Equal(bytes[0], publish.FirstByte);
        Assert.Equal(Wire.Describe(publish), Wire.Describe(Wire.Decode(hex)));
    }

    [Fact]
    [Trait("spec", "MQTT-3.3.3")]
    [Trait("spec", "MQTT-3.3.1-10")]
    public void Empty_payload_is_allowed_both_ways()
    {
        var publish = new Publish(AB, ReadOnlyMemory<byte>.Empty, retain: true);
        Assert.Equal("31 05 00 03 61 2F 62", Hex.Format(Wire.Encode(publish)));
        var read = (Publish)Wire.Decode("31 05 00 03 61 2F 62");
        Assert.True(read.Payload.IsEmpty);
        Assert.True(read.Retain);
    }

    [Fact]
    [Trait("spec", "MQTT-2.2.3")]
    public void Two_byte_remaining_length_for_a_200_byte_payload()
    {
        var payload = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        var bytes = Wire.Encode(new Publish(TopicName.Create("t"), payload));
        // body = 2 + 1 + 200 = 203 = 0xCB → CB 01
        Assert.Equal("30 CB 01 00 01 74 00 01 02", Hex.Format(bytes.AsSpan(0, 9)));
        Assert.Equal(3 + 203, bytes.Length);
    }

    [Fact]
    public void Multi_segment_payload_is_copied_once_in_order()
    {
        var payload = Segments.Chunked(Hex.Parse("01 02 03 04 05"), 2, 1);
        var publish = new Publish(TopicName.Create("t"), payload, QualityOfService.AtLeastOnce, packetId: 7);
        Assert.Equal("32 0A 00 01 74 00 07 01 02 03 04 05", Hex.Format(Wire.Encode(publish)));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-5")]
    public void Qos0_decode_reads_no_packet_id()
    {
        var read = (Publish)Wire.Decode("30 07 00 03 61 2F 62 00 0A");
        Assert.Equal(0, read.PacketId);
        Assert.Equal("00 0A", Hex.Format(read.Payload.ToArray()));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-5")]
    public void Qos0_with_a_packet_id_is_refused_on_encode()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Publish(AB, Hi, packetId: 3)), "MQTT-2.3.1-5");

    [Fact]
    [Trait("spec", "MQTT-3.3.1-2")]
    [Trait("spec", "MQTT-4.3.1-1")]
    public void Qos0_with_dup_is_refused_on_encode()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Publish(AB, Hi, dup: true)), "MQTT-3.3.1-2");

    [Theory]
    [Trait("spec", "MQTT-2.3.1-1")]
    [InlineData(1)]
    [InlineData(2)]
    public void Qos1_and_2_need_a_non_zero_packet_id(int qos)
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Publish(AB, Hi, (QualityOfService)qos, packetId: 0)), "MQTT-2.3.1-1");

    [Fact]
    [Trait("spec", "MQTT-3.3.1-4")]
    public void Qos3_is_refused_on_encode()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Publish(AB, Hi, (QualityOfService)3, packetId: 1)), "MQTT-3.3.1-4");

    [Fact]
    [Trait("spec", "MQTT-4.7.3-1")]
    public void Default_topic_is_refused_on_encode()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Publish(default, Hi)), "MQTT-4.7.3-1");

    [Fact]
    [Trait("spec", "MQTT-3.3.1-1")]
    public void WithDelivery_sets_dup_and_keeps_the_message()
    {
        var first = new Publish(AB, Hi, QualityOfService.AtLeastOnce, retain: true, packetId: 9);
        var again = first.WithDelivery(9, dup: true);
        Assert.Equal("3B 09 00 03 61 2F 62 00 09 68 69", Hex.Format(Wire.Encode(again)));
    }

    [Fact]
    [Trait("spec", "MQTT-1.5.3-2")]
    [Trait("spec", "MQTT-4.7.3-2")]
    public void Topic_with_null_character_is_refused_with_its_byte_offset()
    {
        // Topic "a/b/c\0d" starts at byte 4: a=4 /=5 b=6 /=7 c=8 NUL=9.
        var e = ProtocolAssert.RejectsBytes("30 09 00 07 61 2F 62 2F 63 00 64", MqttErrorReason.NullCharacter, "MQTT-1.5.3-2", 9);
        Assert.Equal("PUBLISH: topic contains U+0000 at byte 9 (MQTT-1.5.3-2)", e.Message);
        Assert.Equal("PUBLISH", e.Packet);
    }

    [Fact]
    [Trait("spec", "MQTT-1.5.3-1")]
    public void Topic_with_ill_formed_utf8_is_refused_with_its_byte_offset()
    {
        // "a" then ED A0 80 (an encoded surrogate): the bad sequence starts at byte 5.
        var e = ProtocolAssert.RejectsBytes("30 06 00 04 61 ED A0 80", MqttErrorReason.InvalidUtf8, "MQTT-1.5.3-1", 5);
        Assert.Equal("PUBLISH: topic is not well-formed UTF-8 at byte 5 (MQTT-1.5.3-1)", e.Message);
        // With a 2-byte Remaining Length every offset moves by one.
        var payload = new string('0', 2 * 200);
        ProtocolAssert.RejectsBytes("30 CE 01 00 04 61 C0 80 62 " + payload, MqttErrorReason.InvalidUtf8, "MQTT-1.5.3-1", 6);
    }

    [Fact]
    [Trait("spec", "MQTT-1.5.3-3")]
    public void Topic_with_byte_order_mark_is_kept()
    {
        var read = (Publish)Wire.Decode("30 06 00 04 EF BB BF 61");
        Assert.Equal("\uFEFFa", read.Topic.ToString());
        Assert.Equal("EF BB BF 61", Hex.Format(read.Topic.Utf8.Span));
        Assert.True(read.Payload.IsEmpty);
    }

    [Theory]
    [Trait("spec", "MQTT-3.3.2-2")]
    [Trait("spec", "MQTT-4.7.1-1")]
    [InlineData("30 06 00 04 61 2F 2B 62", '+', 6)]
    [InlineData("30 03 00 01 23", '#', 4)]
    [InlineData("32 08 00 04 C3 A9 2F 23 00 01", '#', 7)]
    public void Topic_with_wildcard_is_refused(string hex, char wildcard, long offset)
    {
        var e = ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidTopicName, "MQTT-3.3.2-2", offset);
        Assert.Contains($"wildcard '{wildcard}'", e.Message);
    }

    [Fact]
    [Trait("spec", "MQTT-4.7.3-1")]
    [Trait("spec", "MQTT-3.3.2-1")]
    public void Empty_topic_is_refused()
        => ProtocolAssert.RejectsBytes("30 04 00 00 68 69", MqttErrorReason.InvalidTopicName, "MQTT-4.7.3-1", 4);

    [Fact]
    [Trait("spec", "MQTT-3.3.2-1")]
    public void Missing_topic_is_malformed()
    {
        ProtocolAssert.RejectsBytes("30 00", MqttErrorReason.MalformedLength, null, 2);
        ProtocolAssert.RejectsBytes("30 03 00 05 61", MqttErrorReason.MalformedLength, null, 4);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Qos1_with_packet_id_0_is_refused()
        => ProtocolAssert.RejectsBytes("32 07 00 03 61 2F 62 00 00", MqttErrorReason.ZeroPacketId, "MQTT-2.3.1-1", 7);

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Qos2_without_room_for_a_packet_id_is_malformed()
        => ProtocolAssert.RejectsBytes("34 06 00 03 61 2F 62 01", MqttErrorReason.MalformedLength, null, 7);

    [Theory]
    [Trait("spec", "MQTT-3.3.1-4")]
    [InlineData("36 07 00 03 61 2F 62 00 01")]
    [InlineData("3F 07 00 03 61 2F 62 00 01")]
    public void Qos3_is_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidQoS, "MQTT-3.3.1-4", 0);

    [Theory]
    [Trait("spec", "MQTT-3.3.1-2")]
    [InlineData("38 05 00 03 61 2F 62")]
    [InlineData("39 05 00 03 61 2F 62")]
    public void Qos0_with_dup_is_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-3.3.1-2", 0);

    [Fact]
    public void Decoded_topic_and_payload_are_slices_of_the_frame()
    {
        var bytes = Hex.Parse("32 09 00 03 61 2F 62 00 0A 68 69");
        var read = Publish.Read(Wire.Frame(bytes), MqttProtocolVersion.V311);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(read.Topic.Utf8, out var seg));
        Assert.Same(bytes, seg.Array);
        Assert.Equal(4, seg.Offset);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(read.Payload.First, out var pay));
        Assert.Same(bytes, pay.Array);
    }
}

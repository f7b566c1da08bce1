using System.Buffers;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests;

public class MqttFrameReaderTests
{
    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("30 05")]
    [InlineData("30 05 00 03 61 2F")]
    [InlineData("30 80")]
    [InlineData("30 80 80 80")]
    public void Incomplete_input_returns_false_and_keeps_the_buffer(string hex)
    {
        var bytes = Hex.Parse(hex);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.False(MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out _));
        Assert.Equal(bytes.Length, buffer.Length);
    }

    [Fact]
    public void Frames_consecutive_packets_and_slices_each_off()
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse("40 02 00 01 D0 00 30 05 00 03 61 2F 62 E0"));
        Assert.True(MqttFrameReader.TryRead(ref buffer, 64, out var a));
        Assert.Equal(PacketType.PubAck, a.Type);
        Assert.Equal("00 01", Hex.Format(a.Body.ToArray()));
        Assert.True(MqttFrameReader.TryRead(ref buffer, 64, out var b));
        Assert.Equal(PacketType.PingResp, b.Type);
        Assert.Equal(0, b.RemainingLength);
        Assert.True(MqttFrameReader.TryRead(ref buffer, 64, out var c));
        Assert.Equal(PacketType.Publish, c.Type);
        Assert.Equal(0x30, c.Header);
        Assert.Equal(0, c.Flags);
        Assert.Equal(2, c.HeaderLength);
        Assert.Equal("00 03 61 2F 62", Hex.Format(c.Body.ToArray()));
        Assert.False(MqttFrameReader.TryRead(ref buffer, 64, out _));
        Assert.Equal("E0", Hex.Format(buffer.ToArray()));
    }

    [Fact]
    public void Fixed_header_split_across_segments_frames_the_same()
    {
        // PUBLISH with a 2-byte Remaining Length (200 = C8 01), cut inside the length and inside the topic.
        var bytes = new byte[3 + 200];
        Hex.Parse("30 C8 01 00 01 74").CopyTo(bytes, 0);
        var buffer = Segments.Chunked(bytes, 1, 1, 2, 1);
        Assert.True(MqttFrameReader.TryRead(ref buffer, 1024, out var frame));
        Assert.Equal(200, frame.RemainingLength);
        Assert.Equal(3, frame.HeaderLength);
        Assert.Equal(0, buffer.Length);
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.1")]
    [InlineData("00 00", 0)]
    [InlineData("0F 02 00 01", 0)]
    [InlineData("F0 00", 15)]
    [InlineData("FF 7F", 15)]
    public void Reserved_packet_types_0_and_15_are_refused(string hex, int type)
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse(hex));
        var e = ProtocolAssert.Rejects(() => MqttFrameReader.TryRead(ref buffer, 64, out _),
            MqttErrorReason.InvalidPacketType, "MQTT-2.2.1", 0);
        Assert.Contains($"packet type {type} is reserved", e.Message);
        Assert.Null(e.Packet);
    }

    // The limit is checked as soon as the length bytes are in, before the body is buffered.
    [Theory]
    [InlineData("30 FF 7F", 16_386)]
    [InlineData("30 FF FF FF 7F", 268_435_460)]
    [InlineData("40 0B", 13)]
    public void Over_limit_length_is_refused_from_the_header_alone(string hex, long total)
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse(hex));
        var e = ProtocolAssert.Rejects(() => MqttFrameReader.TryRead(ref buffer, 12, out _),
            MqttErrorReason.PacketTooLarge, null, 1);
        Assert.Contains($"makes a {total}-byte packet, above the 12-byte maximum", e.Message);
    }

    [Fact]
    public void Limit_counts_the_whole_packet_and_is_inclusive()
    {
        // 2 header bytes + 8 body bytes = 10.
        var ok = new ReadOnlySequence<byte>(Hex.Parse("30 08 00 01 74 01 02 03 04 05"));
        Assert.True(MqttFrameReader.TryRead(ref ok, 10, out _));
        var tooBig = new ReadOnlySequence<byte>(Hex.Parse("30 09"));
        ProtocolAssert.Rejects(() => MqttFrameReader.TryRead(ref tooBig, 10, out _), MqttErrorReason.PacketTooLarge, null, 1);
    }

    [Fact]
    public void Frame_reader_builds_a_reader_whose_offsets_count_from_the_first_byte()
    {
        var frame = Wire.Frame("30 09 00 07 61 2F 62 2F 63 00 64");
        var reader = frame.CreateReader("PUBLISH");
        Assert.Equal(2, reader.Position);
        Assert.Equal(9, reader.Remaining);
    }

    [Theory]
    [InlineData(PacketType.Connect, "CONNECT")]
    [InlineData(PacketType.UnsubAck, "UNSUBACK")]
    [InlineData((PacketType)0, "type 0")]
    public void Names_follow_the_spec(PacketType type, string name) => Assert.Equal(name, MqttFrameReader.Name(type));
}

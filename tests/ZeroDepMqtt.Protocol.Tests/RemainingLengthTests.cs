using System.Buffers;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests;

public class RemainingLengthTests
{
    // MQTT 3.1.1 §2.2.3 table 2.4 boundaries, plus 321 from the spec's worked example.
    [Theory]
    [Trait("spec", "MQTT-2.2.3")]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "80 01")]
    [InlineData(321, "C1 02")]
    [InlineData(16_383, "FF 7F")]
    [InlineData(16_384, "80 80 01")]
    [InlineData(2_097_151, "FF FF 7F")]
    [InlineData(2_097_152, "80 80 80 01")]
    [InlineData(268_435_455, "FF FF FF 7F")]
    public void Encodes_minimally(int value, string hex)
    {
        var span = new byte[4];
        int n = RemainingLength.Write(span, value);
        Assert.Equal(hex, Hex.Format(span.AsSpan(0, n)));
        Assert.Equal(n, RemainingLength.SizeOf(value));
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.3")]
    [InlineData(-1)]
    [InlineData(268_435_456)]
    [InlineData(int.MaxValue)]
    public void SizeOf_refuses_values_four_bytes_cannot_carry(int value)
        => ProtocolAssert.RefusesArgument(() => RemainingLength.SizeOf(value), "MQTT-2.2.3");

    // Decoding goes through the frame reader: a body of `value` bytes must come out as the frame body.
    [Theory]
    [Trait("spec", "MQTT-2.2.3")]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "80 01")]
    [InlineData(16_383, "FF 7F")]
    [InlineData(16_384, "80 80 01")]
    [InlineData(2_097_151, "FF FF 7F")]
    [InlineData(2_097_152, "80 80 80 01")]
    [InlineData(268_435_455, "FF FF FF 7F")]
    public void Decodes_each_boundary(int value, string hex)
    {
        // PUBLISH (0x30) has no fixed body size, so any length frames. The body reuses one 1 MiB block many
        // times, so the 256 MiB case costs no memory.
        var header = Hex.Parse("30 " + hex);
        var block = new byte[1 << 20];
        var parts = new List<ReadOnlyMemory<byte>> { header };
        for (int left = value; left > 0; left -= block.Length) parts.Add(block.AsMemory(0, Math.Min(left, block.Length)));
        parts.Add(new byte[] { 0xE0, 0x00 }); // a DISCONNECT after it proves the frame stopped at the right byte
        var buffer = Segments.Link(parts);

        Assert.True(MqttFrameReader.TryRead(ref buffer, int.MaxValue, out var frame));
        Assert.Equal(value, frame.RemainingLength);
        Assert.Equal(header.Length, frame.HeaderLength);
        Assert.Equal(2, buffer.Length);
    }

    [Fact]
    [Trait("spec", "MQTT-2.2.3")]
    public void Header_alone_asks_for_more_without_throwing()
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse("30 FF FF FF 7F"));
        Assert.False(MqttFrameReader.TryRead(ref buffer, int.MaxValue, out _));
        Assert.Equal(5, buffer.Length);
    }

    // MQTT-2.2.3: at most four bytes; a fourth byte with its continuation bit set is malformed.
    [Theory]
    [Trait("spec", "MQTT-2.2.3")]
    [InlineData("30 FF FF FF FF 7F")]
    [InlineData("30 80 80 80 80 01")]
    [InlineData("30 FF FF FF FF")] // rejected before the fifth byte arrives
    public void Fifth_length_byte_is_malformed(string hex)
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse(hex));
        var e = ProtocolAssert.Rejects(() => MqttFrameReader.TryRead(ref buffer, int.MaxValue, out _),
            MqttErrorReason.MalformedRemainingLength, "MQTT-2.2.3", 4);
        Assert.Equal("PUBLISH", e.Packet);
    }

    // 3.1.1 does not forbid non-minimal encodings (MQTT 5 does); this decoder accepts them, a documented choice.
    [Fact]
    [Trait("spec", "MQTT-2.2.3")]
    public void Non_minimal_encoding_is_accepted_on_decode()
    {
        var buffer = new ReadOnlySequence<byte>(Hex.Parse("D0 80 00"));
        Assert.True(MqttFrameReader.TryRead(ref buffer, 16, out var frame));
        Assert.Equal(0, frame.RemainingLength);
        Assert.Equal(3, frame.HeaderLength);
    }
}

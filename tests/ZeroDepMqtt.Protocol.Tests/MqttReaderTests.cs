using System.Buffers;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests;

public class MqttReaderTests
{
    private static MqttReader Over(string hex, int bodyOffset = 2) => new(new ReadOnlySequence<byte>(Hex.Parse(hex)), bodyOffset, "TEST");

    [Fact]
    [Trait("spec", "MQTT-1.5.2")]
    public void Two_byte_integers_are_big_endian()
    {
        var r = Over("12 34 FF FE");
        Assert.Equal(0x1234, r.ReadUInt16("a"));
        Assert.Equal(0xFFFE, r.ReadUInt16("b"));
        Assert.Equal(6, r.Position);
        r.ExpectEnd();
    }

    [Fact]
    public void Truncated_field_names_the_field_and_the_offset()
    {
        var r = Over("00 05 61 62", bodyOffset: 3);
        try
        {
            r.ReadBinary("password");
            Assert.Fail("no exception");
        }
        catch (MqttProtocolException e)
        {
            Assert.Equal(MqttErrorReason.MalformedLength, e.Reason);
            Assert.Equal(5, e.Offset);
            Assert.Equal("TEST: password needs 5 byte(s) but the Remaining Length leaves 2 at byte 5", e.Message);
        }
    }

    [Fact]
    public void Trailing_bytes_are_reported_where_they_start()
    {
        var r = Over("00 01 FF");
        r.ReadUInt16("id");
        var e = Assert.Throws<MqttProtocolException>(() => { var copy = Over("00 01 FF"); copy.ReadUInt16("id"); copy.ExpectEnd(); });
        Assert.Equal(MqttErrorReason.MalformedLength, e.Reason);
        Assert.Equal(4, e.Offset);
        Assert.Equal(1, r.Remaining);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Packet_id_zero_is_refused_at_its_offset()
    {
        var e = Assert.Throws<MqttProtocolException>(() => { var r = Over("00 00"); r.ReadPacketId(); });
        Assert.Equal(MqttErrorReason.ZeroPacketId, e.Reason);
        Assert.Equal("MQTT-2.3.1-1", e.SpecId);
        Assert.Equal(2, e.Offset);
    }

    [Fact]
    [Trait("spec", "MQTT-1.5.3-1")]
    public void String_split_across_segments_is_read_and_validated_whole()
    {
        // "zé€" with the multi-byte characters cut between segments.
        var bytes = Hex.Parse("00 06 7A C3 A9 E2 82 AC");
        var r = new MqttReader(Segments.Chunked(bytes, 1, 3, 1, 2), 2, "TEST");
        Assert.Equal("zé€", r.ReadString("s"));

        var bad = Hex.Parse("00 04 7A ED A0 80");
        var e = Assert.Throws<MqttProtocolException>(() => { var r2 = new MqttReader(Segments.Chunked(bad, 4, 1), 2, "TEST"); r2.ReadString("s"); });
        Assert.Equal(MqttErrorReason.InvalidUtf8, e.Reason);
        Assert.Equal(5, e.Offset);
    }
}

using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class SubAckTests
{
    [Theory]
    [Trait("spec", "MQTT-3.9")]
    [Trait("spec", "MQTT-3.9.3-1")]
    [InlineData(10, "00 01 02 80", "90 06 00 0A 00 01 02 80")]
    [InlineData(65535, "01", "90 03 FF FF 01")]
    public void Golden_bytes(int id, string codes, string hex)
    {
        var ack = new SubAck((ushort)id, Hex.Parse(codes));
        Assert.Equal(hex, Hex.Format(Wire.Encode(ack)));
        Assert.Equal(hex.Replace(" ", "").Length / 2, ack.EncodedLength);
        var read = (SubAck)Wire.Decode(hex);
        Assert.Equal(id, read.PacketId);
        Assert.Equal(codes, Hex.Format(read.ReturnCodes.Span));
    }

    [Theory]
    [Trait("spec", "MQTT-3.9.3-2")]
    [InlineData("90 03 00 0A 03", 4)]
    [InlineData("90 05 00 0A 00 01 7F", 6)]
    [InlineData("90 04 00 0A 80 81", 5)]
    [InlineData("90 03 00 0A FF", 4)]
    public void Reserved_return_codes_are_refused(string hex, long offset)
    {
        ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidSubAck, "MQTT-3.9.3-2", offset);
        ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidSubAck, "MQTT-3.9.3-2", offset, MqttProtocolVersion.V310);
    }

    [Fact]
    [Trait("spec", "MQTT-3.9.3-2")]
    public void Reserved_return_code_is_refused_on_encode()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new SubAck(1, new byte[] { 0, 3 })), "MQTT-3.9.3-2");

    [Fact]
    [Trait("spec", "MQTT-3.8.4-5")]
    public void No_return_code_is_refused()
    {
        ProtocolAssert.RejectsBytes("90 02 00 0A", MqttErrorReason.InvalidSubAck, "MQTT-3.8.4-5", 4);
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new SubAck(1, ReadOnlyMemory<byte>.Empty)), "MQTT-3.8.4-5");
    }

    // 3.1 has no failure code, but 0x80 is never a granted QoS, so both modes read it as failure.
    [Fact]
    [Trait("spec", "MQTT3.1-3.9")]
    public void Mqtt31_reads_granted_qos_and_failure()
    {
        var ack = (SubAck)Wire.Decode("90 05 00 0A 00 02 80", MqttProtocolVersion.V310);
        Assert.Equal("00 02 80", Hex.Format(ack.ReturnCodes.Span));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Packet_id_0_is_refused_both_ways()
    {
        ProtocolAssert.RejectsBytes("90 03 00 00 00", MqttErrorReason.ZeroPacketId, "MQTT-2.3.1-1", 2);
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new SubAck(0, new byte[] { 0 })), "MQTT-2.3.1-1");
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("91 03 00 0A 00")]
    [InlineData("92 03 00 0A 00")]
    public void Wrong_flags_are_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0);
}

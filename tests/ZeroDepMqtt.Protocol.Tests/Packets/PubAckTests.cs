using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class PubAckTests
{
    [Theory]
    [Trait("spec", "MQTT-3.4")]
    [Trait("spec", "MQTT-2.2.2-1")]
    [Trait("spec", "MQTT-2.3.1-6")]
    [InlineData(1, "40 02 00 01")]
    [InlineData(0x1234, "40 02 12 34")]
    [InlineData(65535, "40 02 FF FF")]
    public void Golden_bytes(int id, string hex)
    {
        var ack = new PubAck((ushort)id);
        Assert.Equal(hex, Hex.Format(Wire.Encode(ack)));
        Assert.Equal(4, ack.EncodedLength);
        Assert.Equal(ack, PubAck.Read(Wire.Frame(hex), MqttProtocolVersion.V311));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Packet_id_0_is_refused_both_ways()
    {
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new PubAck(0)), "MQTT-2.3.1-1");
        ProtocolAssert.RejectsBytes("40 02 00 00", MqttErrorReason.ZeroPacketId, "MQTT-2.3.1-1", 2);
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("41 02 00 01")]
    [InlineData("42 02 00 01")]
    [InlineData("48 02 00 01")]
    public void Wrong_flags_are_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0);

    [Theory]
    [Trait("spec", "MQTT-3.4")]
    [InlineData("40 03 00 01 00")]
    [InlineData("40 01 01")]
    [InlineData("40 00")]
    public void Remaining_length_other_than_2_is_malformed(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.MalformedLength, null, 1);
}

using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class UnsubAckTests
{
    [Theory]
    [Trait("spec", "MQTT-3.11")]
    [Trait("spec", "MQTT-2.3.1-7")]
    [Trait("spec", "MQTT-2.2.2-1")]
    [InlineData(1, "B0 02 00 01")]
    [InlineData(7, "B0 02 00 07")]
    [InlineData(65535, "B0 02 FF FF")]
    public void Golden_bytes(int id, string hex)
    {
        var ack = new UnsubAck((ushort)id);
        Assert.Equal(hex, Hex.Format(Wire.Encode(ack)));
        Assert.Equal(4, ack.EncodedLength);
        Assert.Equal(ack, UnsubAck.Read(Wire.Frame(hex), MqttProtocolVersion.V311));
        Assert.Equal(ack, UnsubAck.Read(Wire.Frame(hex), MqttProtocolVersion.V310));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Packet_id_0_is_refused_both_ways()
    {
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new UnsubAck(0)), "MQTT-2.3.1-1");
        ProtocolAssert.RejectsBytes("B0 02 00 00", MqttErrorReason.ZeroPacketId, "MQTT-2.3.1-1", 2);
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("B1 02 00 01")]
    public void Wrong_flags_are_refused(string hex)
    {
        ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0);
        ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0, MqttProtocolVersion.V310);
    }

    [Theory]
    [Trait("spec", "MQTT-3.11")]
    [InlineData("B0 03 00 01 00")]
    [InlineData("B0 01 01")]
    public void Remaining_length_other_than_2_is_malformed(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.MalformedLength, null, 1);
}

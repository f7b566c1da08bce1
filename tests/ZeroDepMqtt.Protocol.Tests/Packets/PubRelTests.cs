using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class PubRelTests
{
    [Theory]
    [Trait("spec", "MQTT-3.6.1-1")]
    [Trait("spec", "MQTT-3.6")]
    [Trait("spec", "MQTT-2.2.2-1")]
    [Trait("spec", "MQTT-2.3.1-6")]
    [InlineData(1, "62 02 00 01")]
    [InlineData(0x0A0B, "62 02 0A 0B")]
    [InlineData(65535, "62 02 FF FF")]
    public void Golden_bytes(int id, string hex)
    {
        var rel = new PubRel((ushort)id);
        Assert.Equal(hex, Hex.Format(Wire.Encode(rel)));
        Assert.Equal(4, rel.EncodedLength);
        Assert.Equal(rel, PubRel.Read(Wire.Frame(hex), MqttProtocolVersion.V311));
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Packet_id_0_is_refused_both_ways()
    {
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new PubRel(0)), "MQTT-2.3.1-1");
        ProtocolAssert.RejectsBytes("62 02 00 00", MqttErrorReason.ZeroPacketId, "MQTT-2.3.1-1", 2);
    }

    [Theory]
    [Trait("spec", "MQTT-3.6.1-1")]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("60 02 00 01")]
    [InlineData("63 02 00 01")]
    [InlineData("6A 02 00 01")]
    [InlineData("66 02 00 01")]
    public void Flags_other_than_0010_are_refused_in_311(string hex)
    {
        var e = ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-3.6.1-1", 0);
        Assert.Contains("must be 0x2", e.Message);
    }

    // MQTT 3.1 §2.1: PUBREL "uses QoS level 1" and may carry DUP on a retry, so 0x6A is valid there.
    [Fact]
    [Trait("spec", "MQTT3.1-2.1")]
    public void Mqtt31_accepts_pubrel_with_dup()
    {
        Assert.Equal(new PubRel(5), Wire.Decode("6A 02 00 05", MqttProtocolVersion.V310));
        Assert.Equal(new PubRel(5), Wire.Decode("62 02 00 05", MqttProtocolVersion.V310));
        ProtocolAssert.RejectsBytes("6A 02 00 05", MqttErrorReason.InvalidFlags, "MQTT-3.6.1-1", 0, MqttProtocolVersion.V311);
        // Only DUP is tolerated: other wrong flags stay wrong in 3.1.
        ProtocolAssert.RejectsBytes("60 02 00 05", MqttErrorReason.InvalidFlags, "MQTT-3.6.1-1", 0, MqttProtocolVersion.V310);
        ProtocolAssert.RejectsBytes("6B 02 00 05", MqttErrorReason.InvalidFlags, "MQTT-3.6.1-1", 0, MqttProtocolVersion.V310);
    }

    [Theory]
    [Trait("spec", "MQTT-3.6")]
    [InlineData("62 03 00 01 00")]
    [InlineData("62 00")]
    public void Remaining_length_other_than_2_is_malformed(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.MalformedLength, null, 1);
}

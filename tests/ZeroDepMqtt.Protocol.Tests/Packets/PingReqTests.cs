using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class PingReqTests
{
    [Fact]
    [Trait("spec", "MQTT-3.12")]
    [Trait("spec", "MQTT-2.2.2-1")]
    public void Golden_bytes()
    {
        Assert.Equal("C0 00", Hex.Format(Wire.Encode(new PingReq())));
        Assert.Equal(2, new PingReq().EncodedLength);
        Assert.IsType<PingReq>(Wire.Decode("C0 00"));
        Assert.IsType<PingReq>(Wire.Decode("C0 00", MqttProtocolVersion.V310));
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("C1 00")]
    [InlineData("C8 00")]
    public void Wrong_flags_are_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0);

    [Theory]
    [Trait("spec", "MQTT-3.12")]
    [InlineData("C0 01 00")]
    [InlineData("C0 02 00 00")]
    public void Non_zero_remaining_length_is_malformed(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.MalformedLength, null, 1);
}

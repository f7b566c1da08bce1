using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class PingRespTests
{
    [Fact]
    [Trait("spec", "MQTT-3.13")]
    [Trait("spec", "MQTT-2.2.2-1")]
    public void Golden_bytes()
    {
        Assert.Equal("D0 00", Hex.Format(Wire.Encode(new PingResp())));
        Assert.Equal(2, new PingResp().EncodedLength);
        Assert.IsType<PingResp>(Wire.Decode("D0 00"));
        Assert.IsType<PingResp>(Wire.Decode("D0 00", MqttProtocolVersion.V310));
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("D1 00")]
    [InlineData("D8 00")]
    public void Wrong_flags_are_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0);

    [Theory]
    [Trait("spec", "MQTT-3.13")]
    [InlineData("D0 01 00")]
    [InlineData("D0 02 00 00")]
    public void Non_zero_remaining_length_is_malformed(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.MalformedLength, null, 1);
}

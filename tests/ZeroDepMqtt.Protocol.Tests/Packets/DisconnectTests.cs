using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class DisconnectTests
{
    [Fact]
    [Trait("spec", "MQTT-3.14")]
    [Trait("spec", "MQTT-3.14.1-1")]
    [Trait("spec", "MQTT-2.2.2-1")]
    public void Golden_bytes()
    {
        Assert.Equal("E0 00", Hex.Format(Wire.Encode(new Disconnect())));
        Assert.Equal(2, new Disconnect().EncodedLength);
        Assert.IsType<Disconnect>(Wire.Decode("E0 00"));
        Assert.IsType<Disconnect>(Wire.Decode("E0 00", MqttProtocolVersion.V310));
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("E1 00")]
    [InlineData("E8 00")]
    public void Wrong_flags_are_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0);

    [Theory]
    [Trait("spec", "MQTT-3.14")]
    [InlineData("E0 01 00")]
    [InlineData("E0 02 00 00")]
    public void Non_zero_remaining_length_is_malformed(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.MalformedLength, null, 1);
}

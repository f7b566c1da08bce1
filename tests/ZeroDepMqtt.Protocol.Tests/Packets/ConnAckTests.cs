using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class ConnAckTests
{
    [Theory]
    [Trait("spec", "MQTT-3.2")]
    [InlineData(false, 0, "20 02 00 00")]
    [InlineData(true, 0, "20 02 01 00")]
    [InlineData(false, 1, "20 02 00 01")]
    [InlineData(false, 5, "20 02 00 05")]
    public void Golden_bytes(bool sessionPresent, int code, string hex)
    {
        var ack = new ConnAck(sessionPresent, (ConnectReturnCode)code);
        Assert.Equal(hex, Hex.Format(Wire.Encode(ack)));
        Assert.Equal(4, ack.EncodedLength);
        Assert.Equal(ack, ConnAck.Read(Wire.Frame(hex), MqttProtocolVersion.V311));
    }

    [Fact]
    [Trait("spec", "MQTT-3.2.2-4")]
    public void Refusal_with_session_present_is_refused_on_encode()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new ConnAck(true, ConnectReturnCode.NotAuthorized)), "MQTT-3.2.2-4");

    [Theory]
    [Trait("spec", "MQTT-3.2.2-4")]
    [InlineData("20 02 01 01")]
    [InlineData("20 02 01 05")]
    [InlineData("20 02 01 FF")]
    public void Refusal_with_session_present_is_malformed(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidConnAck, "MQTT-3.2.2-4", 2);

    [Theory]
    [Trait("spec", "MQTT-3.2.2.1")]
    [InlineData("20 02 02 00")]
    [InlineData("20 02 80 00")]
    [InlineData("20 02 FF 00")]
    public void Reserved_acknowledge_flag_bits_are_malformed_in_311(string hex)
    {
        var e = ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidConnAck, "MQTT-3.2.2.1", 2);
        Assert.StartsWith("CONNACK: acknowledge flags 0x", e.Message);
    }

    [Theory]
    [Trait("spec", "MQTT-3.2")]
    [InlineData("20 03 00 00 00", 3)]
    [InlineData("20 01 00", 1)]
    [InlineData("20 00", 0)]
    public void Remaining_length_other_than_2_is_malformed(string hex, int length)
    {
        var e = ProtocolAssert.RejectsBytes(hex, MqttErrorReason.MalformedLength, "MQTT-3.2", 1);
        Assert.Contains($"Remaining Length is {length}, must be 2", e.Message);
    }

    [Theory]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("21 02 00 00")]
    [InlineData("28 02 00 00")]
    public void Wrong_fixed_header_flags_are_refused(string hex)
    {
        ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0);
        // 3.1 decoding stays strict for CONNACK flags (MQTT3.1-2.1: a documented choice).
        ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0, MqttProtocolVersion.V310);
    }

    [Theory]
    [Trait("spec", "MQTT3.1-3.2")]
    [InlineData("20 02 00 00", 0)]
    [InlineData("20 02 01 00", 0)]   // no Session Present in 3.1: byte 3 is ignored
    [InlineData("20 02 FF 00", 0)]   // "Topic Name Compression Response", unused
    [InlineData("20 02 01 05", 5)]   // would be malformed in 3.1.1
    [InlineData("20 02 00 02", 2)]
    public void Mqtt31_ignores_byte_3(string hex, int code)
    {
        var ack = (ConnAck)Wire.Decode(hex, MqttProtocolVersion.V310);
        Assert.False(ack.SessionPresent);
        Assert.Equal((ConnectReturnCode)code, ack.ReturnCode);
    }

    [Fact]
    [Trait("spec", "MQTT-3.2.2-5")]
    [Trait("spec", "MQTT3.1-3.2")]
    public void Reserved_return_codes_decode_and_describe_themselves()
    {
        var ack = (ConnAck)Wire.Decode("20 02 00 06");
        Assert.Equal("reserved return code 6", ack.ReturnCode.Describe());
        Assert.Contains("identifier rejected", ConnectReturnCode.IdentifierRejected.Describe());
        Assert.Contains("unacceptable protocol version", ConnectReturnCode.UnacceptableProtocolVersion.Describe());
    }
}

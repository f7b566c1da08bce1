using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class UnsubscribeTests
{
    // id 10 = 00 0A; "a/+" = 00 03 61 2F 2B; "#" = 00 01 23. Body = 2 + 5 + 3 = 10.
    [Fact]
    [Trait("spec", "MQTT-3.10.1-1")]
    [Trait("spec", "MQTT-3.10.3-1")]
    [Trait("spec", "MQTT-2.2.2-1")]
    public void Golden_bytes()
    {
        var unsub = new Unsubscribe(10, new[] { "a/+", "#" });
        const string hex = "A2 0A 00 0A 00 03 61 2F 2B 00 01 23";
        Assert.Equal(hex, Hex.Format(Wire.Encode(unsub)));
        Assert.Equal(12, unsub.EncodedLength);
        Assert.Equal(Wire.Describe(unsub), Wire.Describe(Wire.Decode(hex)));
    }

    [Fact]
    [Trait("spec", "MQTT-3.10.3-2")]
    public void At_least_one_filter_both_ways()
    {
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new Unsubscribe(1, Array.Empty<string>())), "MQTT-3.10.3-2");
        ProtocolAssert.RejectsBytes("A2 02 00 0A", MqttErrorReason.EmptyPayload, "MQTT-3.10.3-2", 4);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Packet_id_0_is_refused_both_ways()
    {
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new Unsubscribe(0, new[] { "a" })), "MQTT-2.3.1-1");
        ProtocolAssert.RejectsBytes("A2 05 00 00 00 01 61", MqttErrorReason.ZeroPacketId, "MQTT-2.3.1-1", 2);
    }

    [Theory]
    [Trait("spec", "MQTT-4.7.1-2")]
    [Trait("spec", "MQTT-4.7.1-3")]
    [Trait("spec", "MQTT-1.5.3-2")]
    [InlineData("a/#/b", "MQTT-4.7.1-2")]
    [InlineData("+x", "MQTT-4.7.1-3")]
    [InlineData("a\0", "MQTT-1.5.3-2")]
    public void Invalid_filter_is_refused_on_encode(string filter, string specId)
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Unsubscribe(1, new[] { filter })), specId);

    [Theory]
    [Trait("spec", "MQTT-3.10.3-1")]
    [InlineData("A2 0A 00 0A 00 01 23 00 03 61 23 62", MqttErrorReason.InvalidTopicFilter, "MQTT-4.7.1-2", 10)]
    [InlineData("A2 06 00 0A 00 02 61 00", MqttErrorReason.NullCharacter, "MQTT-1.5.3-2", 7)]
    [InlineData("A2 06 00 0A 00 05 61 62", MqttErrorReason.MalformedLength, null, 6)]
    public void Invalid_filter_is_refused_on_decode(string hex, MqttErrorReason reason, string? specId, long offset)
        => ProtocolAssert.RejectsBytes(hex, reason, specId, offset);

    [Theory]
    [Trait("spec", "MQTT-3.10.1-1")]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("A0 05 00 0A 00 01 23")]
    [InlineData("A3 05 00 0A 00 01 23")]
    public void Flags_other_than_0010_are_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-3.10.1-1", 0);

    [Fact]
    [Trait("spec", "MQTT3.1-2.1")]
    public void Mqtt31_accepts_unsubscribe_with_dup()
    {
        Assert.Equal(10, ((Unsubscribe)Wire.Decode("AA 05 00 0A 00 01 23", MqttProtocolVersion.V310)).PacketId);
        ProtocolAssert.RejectsBytes("AA 05 00 0A 00 01 23", MqttErrorReason.InvalidFlags, "MQTT-3.10.1-1", 0);
    }
}

using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class SubscribeTests
{
    private static Subscribe Make(ushort id, params (string Filter, int QoS)[] subs)
        => new(id, subs.Select(s => new Subscription(s.Filter, (QualityOfService)s.QoS)).ToList());

    // id 10 = 00 0A; "a/+" = 00 03 61 2F 2B, "#" = 00 01 23. Body = 2 + (5 + 1) + (3 + 1) = 12.
    [Fact]
    [Trait("spec", "MQTT-3.8.1-1")]
    [Trait("spec", "MQTT-3.8.3-1")]
    [Trait("spec", "MQTT-3.8.3-3")]
    [Trait("spec", "MQTT-2.2.2-1")]
    [Trait("spec", "MQTT3.1-3.8")]
    public void Golden_bytes()
    {
        var sub = Make(10, ("a/+", 1), ("#", 2));
        const string hex = "82 0C 00 0A 00 03 61 2F 2B 01 00 01 23 02";
        Assert.Equal(hex, Hex.Format(Wire.Encode(sub)));
        Assert.Equal(14, sub.EncodedLength);
        Assert.Equal(Wire.Describe(sub), Wire.Describe(Wire.Decode(hex)));
        // "é/" = 00 03 C3 A9 2F: the length prefix counts bytes.
        Assert.Equal("82 08 FF FF 00 03 C3 A9 2F 00", Hex.Format(Wire.Encode(Make(65535, ("é/", 0)))));
    }

    [Fact]
    [Trait("spec", "MQTT-3.8.3-3")]
    public void At_least_one_filter_both_ways()
    {
        ProtocolAssert.RefusesArgument(() => Wire.Encode(Make(1)), "MQTT-3.8.3-3");
        ProtocolAssert.RejectsBytes("82 02 00 0A", MqttErrorReason.EmptyPayload, "MQTT-3.8.3-3", 4);
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-1")]
    public void Packet_id_0_is_refused_both_ways()
    {
        ProtocolAssert.RefusesArgument(() => Wire.Encode(Make(0, ("a", 0))), "MQTT-2.3.1-1");
        ProtocolAssert.RejectsBytes("82 06 00 00 00 01 61 00", MqttErrorReason.ZeroPacketId, "MQTT-2.3.1-1", 2);
    }

    [Fact]
    [Trait("spec", "MQTT-3.8.3-4")]
    public void Requested_qos_3_is_refused_on_encode()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(Make(1, ("a", 3))), "MQTT-3.8.3-4");

    [Theory]
    [Trait("spec", "MQTT-3.8.3-4")]
    [InlineData("82 06 00 0A 00 01 23 03")]
    [InlineData("82 06 00 0A 00 01 23 04")]
    [InlineData("82 06 00 0A 00 01 23 FC")]
    public void Requested_qos_byte_with_reserved_bits_is_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidQoS, "MQTT-3.8.3-4", 7);

    [Theory]
    [Trait("spec", "MQTT-4.7.1-2")]
    [Trait("spec", "MQTT-4.7.1-3")]
    [InlineData("a#", "MQTT-4.7.1-2")]
    [InlineData("a/#/b", "MQTT-4.7.1-2")]
    [InlineData("a+", "MQTT-4.7.1-3")]
    [InlineData("", "MQTT-4.7.3-1")]
    public void Invalid_filter_is_refused_on_encode(string filter, string specId)
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(Make(1, ("ok", 0), (filter, 0))), specId);

    [Theory]
    [Trait("spec", "MQTT-4.7.1-2")]
    [Trait("spec", "MQTT-4.7.1-3")]
    [Trait("spec", "MQTT-4.7.3-1")]
    [InlineData("82 07 00 0A 00 02 61 23 00", MqttErrorReason.InvalidTopicFilter, "MQTT-4.7.1-2", 7)]
    [InlineData("82 07 00 0A 00 02 61 2B 00", MqttErrorReason.InvalidTopicFilter, "MQTT-4.7.1-3", 7)]
    [InlineData("82 05 00 0A 00 00 00", MqttErrorReason.InvalidTopicFilter, "MQTT-4.7.3-1", 6)]
    // Offsets count bytes: "é" is 2 bytes, so '+' after it sits at byte 8, not 7.
    [InlineData("82 08 00 0A 00 03 C3 A9 2B 00", MqttErrorReason.InvalidTopicFilter, "MQTT-4.7.1-3", 8)]
    [InlineData("82 0A 00 0A 00 05 E2 82 AC 61 23 00", MqttErrorReason.InvalidTopicFilter, "MQTT-4.7.1-2", 10)]
    public void Invalid_filter_is_refused_at_its_byte(string hex, MqttErrorReason reason, string specId, long offset)
        => ProtocolAssert.RejectsBytes(hex, reason, specId, offset);

    [Theory]
    [Trait("spec", "MQTT-3.8.3-1")]
    [Trait("spec", "MQTT-1.5.3-1")]
    [Trait("spec", "MQTT-1.5.3-2")]
    [InlineData("82 09 00 0A 00 04 61 ED A0 80 00", MqttErrorReason.InvalidUtf8, "MQTT-1.5.3-1", 7)]
    [InlineData("82 07 00 0A 00 02 61 00 00", MqttErrorReason.NullCharacter, "MQTT-1.5.3-2", 7)]
    public void Filter_must_be_a_valid_mqtt_string(string hex, MqttErrorReason reason, string specId, long offset)
        => ProtocolAssert.RejectsBytes(hex, reason, specId, offset);

    [Theory]
    [Trait("spec", "MQTT-3.8.1-1")]
    [Trait("spec", "MQTT-2.2.2-2")]
    [InlineData("80 06 00 0A 00 01 23 00")]
    [InlineData("83 06 00 0A 00 01 23 00")]
    public void Flags_other_than_0010_are_refused(string hex)
        => ProtocolAssert.RejectsBytes(hex, MqttErrorReason.InvalidFlags, "MQTT-3.8.1-1", 0);

    [Fact]
    [Trait("spec", "MQTT3.1-2.1")]
    public void Mqtt31_accepts_subscribe_with_dup()
    {
        Assert.Equal(10, ((Subscribe)Wire.Decode("8A 06 00 0A 00 01 23 00", MqttProtocolVersion.V310)).PacketId);
        ProtocolAssert.RejectsBytes("8A 06 00 0A 00 01 23 00", MqttErrorReason.InvalidFlags, "MQTT-3.8.1-1", 0);
    }
}

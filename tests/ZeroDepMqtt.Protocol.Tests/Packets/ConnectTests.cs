using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests.Packets;

public class ConnectTests
{
    private const string V311 = "00 04 4D 51 54 54 04";       // "MQTT", level 4
    private const string V310 = "00 06 4D 51 49 73 64 70 03"; // "MQIsdp", level 3

    private static Connect Make(string version, bool clean, int willQos, bool willRetain, string? user, string? password, int keepAlive, string clientId = "c")
        => new(version == "3.1" ? MqttProtocolVersion.V310 : MqttProtocolVersion.V311, clientId)
        {
            CleanSession = clean,
            KeepAliveSeconds = (ushort)keepAlive,
            WillTopic = willQos < 0 ? null : "w",
            WillMessage = "m"u8.ToArray(),
            WillQoS = willQos < 0 ? QualityOfService.AtMostOnce : (QualityOfService)willQos,
            WillRetain = willRetain,
            UserName = user,
            // The cast matters: a null byte[] converts to an empty, non-null ReadOnlyMemory (a set, empty password).
            Password = password is null ? (byte[]?)null : System.Text.Encoding.UTF8.GetBytes(password),
        };

    // Each row derived by hand: client id "c" = 00 01 63, will topic "w" = 00 01 77, will message "m" = 00 01 6D,
    // user "u" = 00 01 75, password "p" = 00 01 70. Remaining Length = 10 (3.1.1) or 12 (3.1) + payload.
    [Theory]
    [Trait("spec", "MQTT-3.1.1")]
    [Trait("spec", "MQTT-3.1.2")]
    [Trait("spec", "MQTT-3.1.2-3")]
    [Trait("spec", "MQTT-3.1.2-9")]
    [Trait("spec", "MQTT-3.1.2-18")]
    [Trait("spec", "MQTT-3.1.2-19")]
    [Trait("spec", "MQTT-3.1.2-20")]
    [Trait("spec", "MQTT-3.1.2-21")]
    [Trait("spec", "MQTT-3.1.3-1")]
    [Trait("spec", "MQTT-3.1.3")]
    [Trait("spec", "MQTT3.1-3.1")]
    // 3.1.1: clean session on and off
    [InlineData("3.1.1", true, -1, false, null, null, 0, "10 0D " + V311 + " 02 00 00 00 01 63")]
    [InlineData("3.1.1", false, -1, false, null, null, 0, "10 0D " + V311 + " 00 00 00 00 01 63")]
    // 3.1.1: Will at each QoS, with and without retain (bit 2 Will, bits 4-3 QoS, bit 5 retain)
    [InlineData("3.1.1", true, 0, false, null, null, 0, "10 13 " + V311 + " 06 00 00 00 01 63 00 01 77 00 01 6D")]
    [InlineData("3.1.1", true, 0, true, null, null, 0, "10 13 " + V311 + " 26 00 00 00 01 63 00 01 77 00 01 6D")]
    [InlineData("3.1.1", true, 1, false, null, null, 0, "10 13 " + V311 + " 0E 00 00 00 01 63 00 01 77 00 01 6D")]
    [InlineData("3.1.1", true, 1, true, null, null, 0, "10 13 " + V311 + " 2E 00 00 00 01 63 00 01 77 00 01 6D")]
    [InlineData("3.1.1", true, 2, false, null, null, 0, "10 13 " + V311 + " 16 00 00 00 01 63 00 01 77 00 01 6D")]
    [InlineData("3.1.1", false, 2, true, null, null, 0, "10 13 " + V311 + " 34 00 00 00 01 63 00 01 77 00 01 6D")]
    // 3.1.1: user name, user name + password, empty user name (flag still set), empty password
    [InlineData("3.1.1", true, -1, false, "u", null, 0, "10 10 " + V311 + " 82 00 00 00 01 63 00 01 75")]
    [InlineData("3.1.1", true, -1, false, "u", "p", 0, "10 13 " + V311 + " C2 00 00 00 01 63 00 01 75 00 01 70")]
    [InlineData("3.1.1", true, -1, false, "", null, 0, "10 0F " + V311 + " 82 00 00 00 01 63 00 00")]
    [InlineData("3.1.1", true, -1, false, "u", "", 0, "10 12 " + V311 + " C2 00 00 00 01 63 00 01 75 00 00")]
    // 3.1.1: the spec's example header 00 04 4D 51 54 54 04 CE 00 0A, with every payload field in order
    [InlineData("3.1.1", true, 1, false, "u", "p", 10, "10 19 00 04 4D 51 54 54 04 CE 00 0A 00 01 63 00 01 77 00 01 6D 00 01 75 00 01 70")]
    [InlineData("3.1.1", false, 2, true, "u", "p", 65535, "10 19 " + V311 + " F4 FF FF 00 01 63 00 01 77 00 01 6D 00 01 75 00 01 70")]
    // 3.1: MQIsdp, level 3, 12-byte variable header
    [InlineData("3.1", true, -1, false, null, null, 60, "10 0F " + V310 + " 02 00 3C 00 01 63")]
    [InlineData("3.1", false, -1, false, "u", "p", 0, "10 15 " + V310 + " C0 00 00 00 01 63 00 01 75 00 01 70")]
    [InlineData("3.1", true, 1, true, null, null, 0, "10 15 " + V310 + " 2E 00 00 00 01 63 00 01 77 00 01 6D")]
    [InlineData("3.1", true, 1, false, "u", "p", 10, "10 1B " + V310 + " CE 00 0A 00 01 63 00 01 77 00 01 6D 00 01 75 00 01 70")]
    public void Golden_bytes_for_each_flag_combination(string version, bool clean, int willQos, bool willRetain, string? user, string? password, int keepAlive, string hex)
    {
        var connect = Make(version, clean, willQos, willRetain, user, password, keepAlive);
        var bytes = Wire.Encode(connect);
        Assert.Equal(hex, Hex.Format(bytes));
        Assert.Equal(bytes.Length, connect.EncodedLength);
        Assert.Equal(Wire.Describe(connect), Wire.Describe(Connect.Read(Wire.Frame(bytes))));
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.3-3")]
    public void Empty_client_id_is_written_as_00_00_first_in_the_payload()
        => Assert.Equal("10 0C 00 04 4D 51 54 54 04 02 00 3C 00 00",
            Hex.Format(Wire.Encode(new Connect(MqttProtocolVersion.V311, "") { KeepAliveSeconds = 60 })));

    [Fact]
    [Trait("spec", "MQTT-3.1.2-3")]
    [Trait("spec", "MQTT-2.2.2-1")]
    public void First_byte_is_0x10_and_reserved_flag_bit_is_always_0()
    {
        foreach (var version in new[] { "3.1", "3.1.1" })
        foreach (bool clean in new[] { true, false })
        foreach (int willQos in new[] { -1, 0, 1, 2 })
        foreach (bool retain in new[] { true, false })
        foreach (var (user, password) in new[] { ((string?)null, (string?)null), ("u", null), ("u", "p") })
        {
            var bytes = Wire.Encode(Make(version, clean, willQos, retain, user, password, 5));
            Assert.Equal(0x10, bytes[0]);
            int flagsAt = version == "3.1" ? 11 : 9;
            Assert.Equal(0, bytes[flagsAt] & 0x01);
        }
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-11")]
    [Trait("spec", "MQTT-3.1.2-13")]
    [Trait("spec", "MQTT-3.1.2-15")]
    [Trait("spec", "MQTT3.1-3.1")]
    public void Without_a_will_the_will_bits_are_zero_and_no_will_fields_are_written()
    {
        var connect = new Connect(MqttProtocolVersion.V311, "c") { WillQoS = QualityOfService.ExactlyOnce, WillRetain = true, WillMessage = new byte[] { 1, 2 } };
        Assert.Equal(0x02, connect.Flags);
        Assert.Equal("10 0D " + V311 + " 02 00 00 00 01 63", Hex.Format(Wire.Encode(connect)));
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.3-4")]
    [Trait("spec", "MQTT-3.1.3-11")]
    public void Non_ascii_strings_are_written_as_utf8()
    {
        var connect = new Connect(MqttProtocolVersion.V311, "é") { UserName = "€" };
        Assert.Equal("10 13 " + V311 + " 82 00 00 00 02 C3 A9 00 03 E2 82 AC", Hex.Format(Wire.Encode(connect)));
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-22")]
    [Trait("spec", "MQTT3.1-3.1")]
    public void Password_without_user_name_is_refused_in_both_versions()
    {
        foreach (var v in new[] { MqttProtocolVersion.V310, MqttProtocolVersion.V311 })
            ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(v, "c") { Password = new byte[] { 1 } }), "MQTT-3.1.2-22");
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-14")]
    public void Will_qos_3_is_refused()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, "c") { WillTopic = "w", WillQoS = (QualityOfService)3 }), "MQTT-3.1.2-14");

    [Fact]
    [Trait("spec", "MQTT-3.1.3-7")]
    public void Empty_client_id_needs_clean_session()
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, "") { CleanSession = false }), "MQTT-3.1.3-7");

    [Theory]
    [Trait("spec", "MQTT-3.1.3-4")]
    [Trait("spec", "MQTT-1.5.3-1")]
    [Trait("spec", "MQTT-1.5.3-2")]
    [InlineData("a\\uD800", "MQTT-1.5.3-1")]
    [InlineData("a\\u0000", "MQTT-1.5.3-2")]
    public void Client_id_must_be_a_valid_mqtt_string(string clientId, string specId)
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, Escaped.Unescape(clientId))), specId);

    [Theory]
    [Trait("spec", "MQTT-3.1.3-11")]
    [Trait("spec", "MQTT-1.5.3-1")]
    [Trait("spec", "MQTT-1.5.3-2")]
    [InlineData("\\uDFFF", "MQTT-1.5.3-1")]
    [InlineData("u\\u0000", "MQTT-1.5.3-2")]
    public void User_name_must_be_a_valid_mqtt_string(string user, string specId)
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, "c") { UserName = Escaped.Unescape(user) }), specId);

    [Theory]
    [Trait("spec", "MQTT-3.1.3-10")]
    [InlineData("a/#", "MQTT-3.3.2-2")]
    [InlineData("", "MQTT-4.7.3-1")]
    [InlineData("w\0", "MQTT-1.5.3-2")]
    public void Will_topic_follows_the_topic_name_rules(string topic, string specId)
        => ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, "c") { WillTopic = topic }), specId);

    [Fact]
    [Trait("spec", "MQTT-3.1.3")]
    public void Will_message_and_password_are_at_most_65535_bytes()
    {
        var max = new byte[65_535];
        // Body: 10 + client id 3 + will topic 3 + will message 2 + 65,535 + user 3 + password 2 + 65,535 = 131,093 (3 length bytes).
        Assert.Equal(1 + 3 + 131_093,
            new Connect(MqttProtocolVersion.V311, "c") { WillTopic = "w", WillMessage = max, UserName = "u", Password = max }.EncodedLength);
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, "c") { WillTopic = "w", WillMessage = new byte[65_536] }), "MQTT-3.1.3");
        ProtocolAssert.RefusesArgument(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, "c") { UserName = "u", Password = new byte[65_536] }), "MQTT-3.1.3");
    }

    [Theory]
    [Trait("spec", "MQTT3.1-3.1")]
    [InlineData("")]
    [InlineData("abcdefghijklmnopqrstuvwx")] // 24 characters
    public void Mqtt31_client_id_is_1_to_23_characters(string clientId)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Wire.Encode(new Connect(MqttProtocolVersion.V310, clientId)));
        Assert.Contains("MQTT 3.1 §3.1", e.Message);
        Assert.Equal(23 + 16, Wire.Encode(new Connect(MqttProtocolVersion.V310, "abcdefghijklmnopqrstuvw")).Length);
    }

    [Fact]
    public void Unknown_protocol_level_and_null_client_id_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Wire.Encode(new Connect((MqttProtocolVersion)5, "c")));
        Assert.Throws<ArgumentNullException>(() => Wire.Encode(new Connect(MqttProtocolVersion.V311, null!)));
    }

    // Decoding: the broker's view, used by test brokers. Flags sit at byte 9 in a 3.1.1 CONNECT.
    [Theory]
    [InlineData("10 0D " + V311 + " 03 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-3", 9)]
    [InlineData("10 0D " + V311 + " 0A 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-13", 9)]
    [InlineData("10 0D " + V311 + " 22 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-15", 9)]
    [InlineData("10 13 " + V311 + " 1E 00 00 00 01 63 00 01 77 00 01 6D", MqttErrorReason.InvalidQoS, "MQTT-3.1.2-14", 9)]
    [InlineData("10 10 " + V311 + " 42 00 00 00 01 63 00 01 70", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-22", 9)]
    [InlineData("10 0D 00 04 4D 51 54 58 04 02 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-1", 2)]
    [InlineData("10 0D 00 04 4D 51 54 54 05 02 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-1", 8)]
    [InlineData("10 0F 00 06 4D 51 49 73 64 70 04 02 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-1", 10)]
    [InlineData("11 0D " + V311 + " 02 00 00 00 01 63", MqttErrorReason.InvalidFlags, "MQTT-2.2.2-2", 0)]
    [InlineData("10 14 " + V311 + " 06 00 00 00 01 63 00 03 61 2F 2B 00 00", MqttErrorReason.InvalidTopicName, "MQTT-3.3.2-2", 19)]
    [InlineData("10 0F " + V311 + " 02 00 00 00 03 ED A0 80", MqttErrorReason.InvalidUtf8, "MQTT-1.5.3-1", 14)]
    [InlineData("10 11 " + V311 + " 82 00 00 00 01 63 00 02 75 00", MqttErrorReason.NullCharacter, "MQTT-1.5.3-2", 18)]
    [InlineData("10 0D " + V311 + " 82 00 00 00 01 63", MqttErrorReason.MalformedLength, null, 15)]
    [InlineData("10 10 " + V311 + " 02 00 00 00 01 63 00 01 75", MqttErrorReason.MalformedLength, null, 15)]
    public void Read_rejects_malformed_connect(string hex, MqttErrorReason reason, string? specId, long offset)
        => ProtocolAssert.RejectsBytes(hex, reason, specId, offset);

    // The same decode cases, tagged per statement so a filter by id finds them.
    [Fact]
    [Trait("spec", "MQTT-3.1.2-1")]
    [Trait("spec", "MQTT-3.1.2-2")]
    public void Read_knows_both_protocol_names_and_levels()
    {
        Assert.Equal(MqttProtocolVersion.V311, Connect.Read(Wire.Frame("10 0D " + V311 + " 02 00 00 00 01 63")).Version);
        Assert.Equal(MqttProtocolVersion.V310, Connect.Read(Wire.Frame("10 0F " + V310 + " 02 00 00 00 01 63")).Version);
        ProtocolAssert.RejectsBytes("10 0D 00 04 6D 71 74 74 04 02 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-1", 2);
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-11")]
    [Trait("spec", "MQTT-3.1.2-13")]
    [Trait("spec", "MQTT-3.1.2-15")]
    public void Read_refuses_will_bits_without_the_will_flag()
    {
        ProtocolAssert.RejectsBytes("10 0D " + V311 + " 12 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-13", 9);
        ProtocolAssert.RejectsBytes("10 0D " + V311 + " 20 00 00 00 01 63", MqttErrorReason.InvalidConnect, "MQTT-3.1.2-15", 9);
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-19")]
    [Trait("spec", "MQTT-3.1.2-18")]
    public void Read_requires_a_user_name_field_exactly_when_the_flag_is_set()
    {
        var e = ProtocolAssert.RejectsBytes("10 0D " + V311 + " 82 00 00 00 01 63", MqttErrorReason.MalformedLength, null, 15);
        Assert.Contains("user name length", e.Message);
        ProtocolAssert.RejectsBytes("10 10 " + V311 + " 02 00 00 00 01 63 00 01 75", MqttErrorReason.MalformedLength, null, 15);
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-9")]
    [Trait("spec", "MQTT-3.1.3-10")]
    public void Read_takes_will_fields_when_the_will_flag_is_set()
    {
        var c = Connect.Read(Wire.Frame("10 13 " + V311 + " 2E 00 00 00 01 63 00 01 77 00 01 6D"));
        Assert.Equal("w", c.WillTopic);
        Assert.Equal("6D", Hex.Format(c.WillMessage.Span));
        Assert.Equal(QualityOfService.AtLeastOnce, c.WillQoS);
        Assert.True(c.WillRetain);
        var e = ProtocolAssert.RejectsBytes("10 14 " + V311 + " 06 00 00 00 01 63 00 03 61 2F 2B 00 00", MqttErrorReason.InvalidTopicName, "MQTT-3.3.2-2", 19);
        Assert.Equal("CONNECT: will topic name contains the wildcard '+' at byte 19 (MQTT-3.3.2-2)", e.Message);
    }
}

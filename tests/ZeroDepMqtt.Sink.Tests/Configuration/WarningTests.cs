namespace ZeroDepMqtt.Sink.Tests.Configuration;

public sealed class WarningTests(TestFiles files) : IClassFixture<TestFiles>
{
    private ConfigResult Parse(string json) => MqttSinkConfig.Parse(json, files.Context);

    private static ConfigProblem SingleWarning(ConfigResult result, string option)
    {
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return Assert.Single(result.Warnings, w => w.Option == option);
    }

    [Fact]
    public void Unknown_options_are_named_in_warnings_and_ignored()
    {
        var result = Parse("""{"server": "tcp://h", "topic": "t", "retaind": true, "colour": "red"}""");
        Assert.Contains("is not a known option and is ignored (eKuiper ignores unknown properties too); did you mean \"retained\"?", SingleWarning(result, "retaind").Message);
        Assert.DoesNotContain("did you mean", SingleWarning(result, "colour").Message);
        Assert.False(result.Settings!.Retained);
    }

    [Fact]
    public void EKuiper_rule_properties_get_their_own_warning()
        => Assert.Contains("is an eKuiper rule property, not an MQTT option of this sink; ignored",
            SingleWarning(Parse("""{"server": "tcp://h", "topic": "t", "bufferLength": 1024}"""), "bufferLength").Message);

    [Fact]
    public void Option_names_differing_only_in_case_are_accepted_with_a_warning()
    {
        var result = Parse("""{"Server": "tcp://h", "TOPIC": "t", "QoS": 1}""");
        Assert.Equal(Protocol.QualityOfService.AtLeastOnce, result.Settings!.Qos);
        Assert.Contains("is written \"QoS\"; accepted because eKuiper ignores case in option names, but write \"qos\"", SingleWarning(result, "qos").Message);
    }

    [Fact]
    public void Properties_beside_the_mqtt_wrapper_are_warned_about()
        => Assert.Contains("is beside \"mqtt\" and is ignored",
            SingleWarning(Parse("""{"mqtt": {"server": "tcp://h", "topic": "t"}, "qos": 2}"""), "qos").Message);

    [Theory]
    [InlineData("ssl://myhub.azure-devices.net", "Azure IoT Hub (myhub.azure-devices.net) does not support QoS 2")]
    [InlineData("ssl://abc-ats.iot.eu-west-1.amazonaws.com:8883", "AWS IoT (abc-ats.iot.eu-west-1.amazonaws.com) does not support QoS 2")]
    public void Qos_2_on_a_cloud_broker_without_it_is_warned_about(string server, string fragment)
        => Assert.Contains(fragment, SingleWarning(Parse($$"""{"server": "{{server}}", "topic": "t", "qos": 2}"""), "qos").Message);

    [Theory]
    [InlineData("ssl://myhub.azure-devices.net", 1)]
    [InlineData("ssl://broker.example.com", 2)]
    [InlineData("ssl://azure-devices.net.example.com", 2)]
    public void No_qos_warning_where_it_does_not_apply(string server, int qos)
        => Assert.Empty(Parse($$"""{"server": "{{server}}", "topic": "t", "qos": {{qos}}}""").Warnings);

    private static string Sas(DateTimeOffset expiry)
        => $"SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fd1&sig=SIGNATURE-{TestFiles.Password}&se={expiry.ToUnixTimeSeconds()}";

    private ConfigResult WithPassword(string password)
        => Parse($$"""{"server": "ssl://myhub.azure-devices.net", "topic": "t", "username": "u", "password": "{{password}}"}""");

    [Fact]
    public void An_expired_SAS_token_is_warned_about_without_printing_it()
    {
        var warning = SingleWarning(WithPassword(Sas(TestFiles.Now.AddDays(-2))), "password");
        Assert.Contains("is an Azure SAS token that expired at 2024-12-30 00:00:00 UTC (its se= field)", warning.Message);
        Assert.DoesNotContain("SIGNATURE", warning.Message);
    }

    [Fact]
    public void A_SAS_token_expiring_within_the_hour_is_warned_about()
        => Assert.Contains("expires at 2025-01-01 00:30:00 UTC", SingleWarning(WithPassword(Sas(TestFiles.Now.AddMinutes(30))), "password").Message);

    [Theory]
    [InlineData(2.0)]
    [InlineData(24 * 30.0)]
    public void A_valid_SAS_token_or_other_password_gives_no_warning(double hours)
    {
        Assert.Empty(WithPassword(Sas(TestFiles.Now.AddHours(hours))).Warnings);
        Assert.Empty(WithPassword("se=1").Warnings);
    }

    [Fact]
    public void Passphrase_for_an_unencrypted_key_is_warned_about()
        => Assert.Contains("is set but the private key is not encrypted; it is ignored",
            SingleWarning(Parse($$"""{"server": "ssl://h", "topic": "t", "certificationPath": "cert.pem", "privateKeyPath": "key.pem", "privateKeyPassphrase": "p"}"""),
                "privateKeyPassphrase").Message);

    [Fact]
    public void RootCa_with_insecureSkipVerify_is_warned_about()
        => Assert.Contains("is ignored because insecureSkipVerify is true",
            SingleWarning(Parse("""{"server": "ssl://h", "topic": "t", "rootCaPath": "ca.pem", "insecureSkipVerify": true}"""), "rootCaPath").Message);
}

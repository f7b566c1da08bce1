using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Sink.Tests;

public sealed class MqttSinkConfigTests(TestFiles files) : IClassFixture<TestFiles>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Azure_example_loads_as_written(bool wrapped)
    {
        string json = wrapped ? SeedExamples.AzureWrapped : SeedExamples.Bare(SeedExamples.AzureWrapped);
        var result = MqttSinkConfig.Parse(json, files.Context);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var s = result.GetSettingsOrThrow();
        Assert.Equal("xyz.azure-devices.net", s.Broker.Host);
        Assert.Equal(8883, s.Broker.Port);
        Assert.True(s.Broker.UseTls);
        Assert.Equal("devices/demo_001/messages/events/", s.Topic);
        Assert.Equal(MqttProtocolVersion.V311, s.ProtocolVersion);
        Assert.Equal(QualityOfService.AtLeastOnce, s.Qos);
        Assert.Equal("demo_001", s.ClientId);
        Assert.False(s.ClientIdGenerated);
        Assert.Equal("xyz.azure-devices.net/demo_001/?api-version=2018-06-30", s.Username);
        Assert.Equal("SharedAccessSignature sr=*******************", s.Password);
        Assert.False(s.Retained);
        Assert.Null(s.CertificatePath);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Aws_example_loads_as_written_with_paths_relative_to_the_working_directory(bool wrapped)
    {
        string json = wrapped ? SeedExamples.AwsWrapped : SeedExamples.Bare(SeedExamples.AwsWrapped);
        var result = MqttSinkConfig.Parse(json, files.Context);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var s = result.GetSettingsOrThrow();
        Assert.Equal("xyz-ats.iot.us-east-1.amazonaws.com", s.Broker.Host);
        Assert.True(s.Broker.UseTls);
        Assert.Equal("devices/result", s.Topic);
        Assert.Equal(MqttProtocolVersion.V310, s.ProtocolVersion); // not given: the documented default
        Assert.Equal(QualityOfService.AtLeastOnce, s.Qos);
        Assert.Equal(files.PathOf("keys/d3807d9fa5-certificate.pem"), s.CertificatePath);
        Assert.Equal(files.PathOf("keys/d3807d9fa5-private.pem.key"), s.PrivateKeyPath);
        Assert.Null(s.Username);
        Assert.Null(s.Password);
    }

    [Fact]
    public void Load_reads_a_file_the_same_as_Parse()
    {
        files.Write("azure.json", SeedExamples.AzureWrapped);
        var result = MqttSinkConfig.Load("azure.json", files.Context);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal("demo_001", result.Settings!.ClientId);
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var s = MqttSinkConfig.Parse("""{"server": "tcp://127.0.0.1", "topic": "t"}""", files.Context).GetSettingsOrThrow();
        Assert.Equal(1883, s.Broker.Port);
        Assert.False(s.Broker.UseTls);
        Assert.Equal(MqttProtocolVersion.V310, s.ProtocolVersion);
        Assert.Equal(QualityOfService.AtMostOnce, s.Qos);
        Assert.False(s.Retained);
        Assert.False(s.InsecureSkipVerify);
        Assert.True(s.ClientIdGenerated);
        Assert.Null(s.Username);
        Assert.Null(s.Password);

        var o = new MqttSinkOptions();
        Assert.Equal("3.1", o.ProtocolVersion);
        Assert.Equal(0, o.Qos);
    }

    [Theory]
    [InlineData("3.1", MqttProtocolVersion.V310)]
    [InlineData("3", MqttProtocolVersion.V310)]
    [InlineData("3.1.1", MqttProtocolVersion.V311)]
    [InlineData("4", MqttProtocolVersion.V311)]
    public void Protocol_versions_accepted(string text, MqttProtocolVersion expected)
    {
        var s = MqttSinkConfig.Parse($$"""{"server": "tcp://h", "topic": "t", "protocolVersion": "{{text}}"}""", files.Context).GetSettingsOrThrow();
        Assert.Equal(expected, s.ProtocolVersion);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("\"\"")]
    public void Absent_or_empty_clientId_is_generated_unique_and_within_the_3_1_limit(string? raw)
    {
        string json = raw is null ? """{"server": "tcp://h", "topic": "t"}""" : $$"""{"server": "tcp://h", "topic": "t", "clientId": {{raw}}}""";
        var a = MqttSinkConfig.Parse(json, files.Context).GetSettingsOrThrow();
        var b = MqttSinkConfig.Parse(json, files.Context).GetSettingsOrThrow();
        Assert.True(a.ClientIdGenerated);
        Assert.NotEqual(a.ClientId, b.ClientId);
        Assert.InRange(a.ClientId.Length, 1, 23);
        Assert.All(a.ClientId, c => Assert.True(char.IsAsciiLetterOrDigit(c), $"'{c}' in {a.ClientId}"));
    }

    [Fact]
    [Trait("spec", "MQTT-4.7.3-3")]
    public void Topic_of_65535_bytes_is_accepted_with_3_1_1_and_32767_with_3_1()
    {
        string big = new('a', 65_535);
        Assert.True(MqttSinkConfig.Parse($$"""{"server": "tcp://h", "topic": "{{big}}", "protocolVersion": "3.1.1"}""", files.Context).IsValid);
        string v31 = new('é', 32_767 / 2); // two bytes each: 32,766 bytes
        Assert.True(MqttSinkConfig.Parse($$"""{"server": "tcp://h", "topic": "{{v31}}"}""", files.Context).IsValid);
    }

    [Fact]
    public void A_23_character_clientId_is_fine_with_3_1_and_a_long_one_with_3_1_1()
    {
        Assert.True(MqttSinkConfig.Parse($$"""{"server": "tcp://h", "topic": "t", "clientId": "{{new string('c', 23)}}"}""", files.Context).IsValid);
        Assert.True(MqttSinkConfig.Parse($$"""{"server": "tcp://h", "topic": "t", "clientId": "{{new string('c', 100)}}", "protocolVersion": "3.1.1"}""", files.Context).IsValid);
    }

    [Fact]
    public void A_key_that_does_not_match_its_certificate_is_an_error_naming_both_files()
    {
        var result = MqttSinkConfig.Parse(
            """{"server": "ssl://h", "topic": "t", "certificationPath": "cert.pem", "privateKeyPath": "key-rsa.pem"}""", files.Context);
        var error = Assert.Single(result.Errors);
        Assert.Equal("privateKeyPath", error.Option);
        Assert.Contains("does not match", error.Message);
        Assert.Contains(files.PathOf("cert.pem"), error.Message);
        Assert.Contains(files.PathOf("key-rsa.pem"), error.Message);
    }

    [Theory]
    [InlineData("cert.pem", "key.pem")]
    [InlineData("cert.pem", "key-ec.pem")]
    [InlineData("cert-rsa.pem", "key-rsa.pem")]
    public void Unencrypted_key_formats_are_accepted(string cert, string key)
    {
        var result = MqttSinkConfig.Parse(
            $$"""{"server": "ssl://h", "topic": "t", "certificationPath": "{{cert}}", "privateKeyPath": "{{key}}", "rootCaPath": "ca.pem"}""", files.Context);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(files.PathOf("ca.pem"), result.Settings!.RootCaPath);
    }

    [Fact]
    public void Encrypted_key_with_passphrase_is_accepted_and_the_passphrase_carried()
    {
        var s = MqttSinkConfig.Parse(
            $$"""{"server": "ssl://h", "topic": "t", "certificationPath": "cert.pem", "privateKeyPath": "key-enc.pem", "privateKeyPassphrase": "{{TestFiles.Passphrase}}"}""",
            files.Context).GetSettingsOrThrow();
        Assert.Equal(TestFiles.Passphrase, s.PrivateKeyPassphrase);
    }

    [Fact]
    public void Comments_trailing_commas_null_values_and_a_BOM_are_tolerated()
    {
        var result = MqttSinkConfig.Parse("\uFEFF{ // the broker\n\"server\": \"tcp://h\", \"topic\": \"t\", \"username\": null,}", files.Context);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Null(result.Settings!.Username);
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        var result = MqttSinkConfig.Parse(
            """{"server": 1, "topic": "#", "qos": 7, "protocolVersion": "9", "retained": "no", "password": "x", "privateKeyPath": "adir"}""",
            files.Context);
        string[] expected = ["certificationPath", "password", "privateKeyPath", "protocolVersion", "qos", "retained", "server", "topic"];
        Assert.Equal(expected, result.Errors.Select(e => e.Option!).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.Null(result.Settings);
        var e = Assert.Throws<ConfigurationException>(() => result.GetSettingsOrThrow());
        Assert.Equal(result.Errors.Count, e.Problems.Count);
        Assert.Contains("qos: 7 is out of range", e.Message);
        Assert.Contains("server: 1 is a number", e.Message);
    }

    [Fact]
    public void Options_built_in_code_are_validated_the_same_way()
    {
        var result = MqttSinkConfig.Resolve(new MqttSinkOptions { Server = "tcp://h", Topic = "t", Qos = 3 }, files.Context);
        var error = Assert.Single(result.Errors);
        Assert.Equal("qos", error.Option);
        Assert.Equal("3 is out of range; expected the integer 0, 1 or 2", error.Message);

        var ok = MqttSinkConfig.Resolve(new MqttSinkOptions { Server = "ssl://h:9000", Topic = "t", Qos = 2, Retained = true });
        Assert.True(ok.IsValid);
        Assert.Equal(QualityOfService.ExactlyOnce, ok.Settings!.Qos);
        Assert.True(ok.Settings.Retained);
    }
}

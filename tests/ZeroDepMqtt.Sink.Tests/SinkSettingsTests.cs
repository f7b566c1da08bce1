namespace ZeroDepMqtt.Sink.Tests;

public sealed class SinkSettingsTests(TestFiles files) : IClassFixture<TestFiles>
{
    [Fact]
    public void Describe_lists_every_setting_and_masks_secrets()
    {
        var s = MqttSinkConfig.Parse(
            $$"""{"server": "ssl://h:9883", "topic": "a/b", "qos": 2, "retained": true, "username": "bob", "password": "{{TestFiles.Password}}", """
            + $$""" "certificationPath": "cert.pem", "privateKeyPath": "key-enc.pem", "privateKeyPassphrase": "{{TestFiles.Passphrase}}", "protocolVersion": "4"}""",
            files.Context).GetSettingsOrThrow();
        string text = s.Describe();
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("server                ssl://h:9883 (TLS)", lines);
        Assert.Contains("topic                 a/b", lines);
        Assert.Contains("protocolVersion       3.1.1 (MQTT, level 4)", lines);
        Assert.Contains("qos                   2", lines);
        Assert.Contains("retained              true", lines);
        Assert.Contains("username              bob", lines);
        Assert.Contains("password              (set)", lines);
        Assert.Contains("privateKeyPassphrase  (set)", lines);
        Assert.Contains($"certificationPath     {files.PathOf("cert.pem")}", lines);
        Assert.Contains(lines, l => l.StartsWith("clientId              zdmqtt", StringComparison.Ordinal) && l.EndsWith("(generated)", StringComparison.Ordinal));
        Assert.DoesNotContain(TestFiles.Password, text);
        Assert.DoesNotContain(TestFiles.Passphrase, text);
    }

    [Fact]
    public void Plain_server_description_has_no_tls_lines_and_unset_password_says_so()
    {
        string text = MqttSinkConfig.Parse("""{"server": "tcp://h", "topic": "t"}""", files.Context).GetSettingsOrThrow().Describe();
        Assert.Contains("password              (not set)", text);
        Assert.DoesNotContain("certificationPath", text);
    }
}

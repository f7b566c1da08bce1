using System.Security.Authentication;

namespace ZeroDepMqtt.Sink.Tests.Configuration;

/// <summary><c>certificationRaw</c>, <c>privateKeyRaw</c>, <c>rootCARaw</c>, <c>tlsMinVersion</c>, <c>renegotiationSupport</c>
/// and <c>alpn</c>: exact validation messages, the path winning over the inline value, and the key never printed.</summary>
public sealed class TlsKnobOptionTests(TestFiles files) : IClassFixture<TestFiles>
{
    private ConfigResult Parse(string extra, string server = "ssl://broker.example:8883")
        => MqttSinkConfig.Parse($$"""{"server": "{{server}}", "topic": "t"{{extra}}}""", files.Context);

    private string B64(string name) => Convert.ToBase64String(File.ReadAllBytes(files.PathOf(name)));

    private static IEnumerable<string> Texts(ConfigResult r) => r.Errors.Concat(r.Warnings).Select(p => p.ToString());

    [Fact]
    public void Inline_pem_becomes_text_settings_and_the_key_is_never_printed()
    {
        string key = B64("key.pem");
        var result = Parse($$""", "certificationRaw": "{{B64("cert.pem")}}", "privateKeyRaw": "{{key}}", "rootCARaw": "{{B64("ca.pem")}}" """);
        var settings = result.GetSettingsOrThrow();
        Assert.Equal(File.ReadAllText(files.PathOf("cert.pem")), settings.CertificatePem);
        Assert.Equal(File.ReadAllText(files.PathOf("ca.pem")), settings.RootCaPem);
        var tls = SinkSettingsMapping.ToClientOptions(settings, new MqttSinkRuntimeOptions()).Tls!;
        Assert.Equal(File.ReadAllText(files.PathOf("key.pem")), tls.PrivateKeyPem);
        Assert.Null(tls.ClientCertificatePath);
        string described = settings.Describe();
        Assert.Contains("certificationRaw      (set: inline PEM)\n", described);
        Assert.Contains("privateKeyRaw         (set)\n", described);
        Assert.Contains("rootCARaw             (set: inline PEM)\n", described);
        string keyText = File.ReadAllText(files.PathOf("key.pem")).Split('\n')[1];
        foreach (string text in new[] { described, settings.ToString(), result.Options!.ToString() })
        {
            Assert.DoesNotContain(key, text, StringComparison.Ordinal);
            Assert.DoesNotContain(keyText, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_path_wins_over_the_inline_value_with_a_warning()
    {
        var result = Parse($$""", "rootCaPath": "ca.pem", "rootCARaw": "{{B64("cert.pem")}}", "certificationPath": "cert.pem", "certificationRaw": "x", "privateKeyPath": "key.pem", "privateKeyRaw": "y" """);
        var settings = result.GetSettingsOrThrow();
        Assert.Null(settings.RootCaPem);
        Assert.Null(settings.CertificatePem);
        Assert.Equal(files.PathOf("ca.pem"), settings.RootCaPath);
        Assert.Contains("rootCARaw: is ignored because rootCaPath is set (the path wins when both are given, as in eKuiper)", Texts(result));
        Assert.Contains("certificationRaw: is ignored because certificationPath is set (the path wins when both are given, as in eKuiper)", Texts(result));
        Assert.Contains("privateKeyRaw: is ignored because privateKeyPath is set (the path wins when both are given, as in eKuiper)", Texts(result));
    }

    [Theory]
    [InlineData(", \"rootCARaw\": \"not base64!\"", "rootCARaw: is not valid base64; expected the PEM text encoded as base64 (for example the output of base64 -w0 FILE.pem)")]
    [InlineData(", \"certificationRaw\": \"CERT\"", "privateKeyPath: is missing (or privateKeyRaw); certificationRaw is set and a client certificate needs its private key")]
    [InlineData(", \"privateKeyRaw\": \"KEY\"", "certificationPath: is missing (or certificationRaw); privateKeyRaw is set and a private key needs its client certificate")]
    [InlineData(", \"certificationRaw\": \"KEY\", \"privateKeyRaw\": \"KEY\"", "certificationRaw: the decoded value holds a private key, not a certificate; are certificationPath and privateKeyPath swapped?")]
    [InlineData(", \"tlsMinVersion\": \"tls1.1\"", "tlsMinVersion: \"tls1.1\" is not supported: TLS 1.0 and 1.1 are obsolete (RFC 8996) and off in current OpenSSL; expected \"tls1.2\" or \"tls1.3\"")]
    [InlineData(", \"tlsMinVersion\": \"1.3\"", "tlsMinVersion: \"1.3\" is not a TLS version this sink knows; expected \"tls1.2\" (the default) or \"tls1.3\"")]
    [InlineData(", \"renegotiationSupport\": \"sometimes\"", "renegotiationSupport: \"sometimes\" is not supported; expected \"never\" (the default), \"once\" or \"freely\"")]
    [InlineData(", \"alpn\": []", "alpn: is an empty list; give at least one protocol name, e.g. [\"x-amzn-mqtt-ca\"], or remove it")]
    [InlineData(", \"alpn\": [\"\"]", "alpn: entry 0 is 0 bytes; an ALPN protocol name has 1 to 255 bytes (RFC 7301)")]
    [InlineData(", \"alpn\": \"mqtt\"", "alpn: \"mqtt\" is a string; expected a list of strings such as [\"x-amzn-mqtt-ca\"]")]
    public void Bad_values_are_errors_with_exact_messages(string extra, string expected)
    {
        extra = extra.Replace("CERT", B64("cert.pem")).Replace("KEY", B64("key.pem"));
        var result = Parse(extra);
        Assert.False(result.IsValid);
        Assert.Contains(expected, result.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("certificationRaw", "\"eA==\"")]
    [InlineData("tlsMinVersion", "\"tls1.3\"")]
    [InlineData("alpn", "[\"mqtt\"]")]
    public void Tls_knobs_on_a_plain_server_are_errors(string option, string value)
    {
        var result = Parse($", \"{option}\": {value}", "tcp://broker.example:1883");
        Assert.Contains($"{option}: is set but server tcp://broker.example:1883 is plain TCP, so no TLS would be used; use an ssl:// server or remove {option}", result.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData(null, SslProtocols.Tls12 | SslProtocols.Tls13, "tls1.2 (TLS 1.2 and 1.3)")]
    [InlineData("tls1.2", SslProtocols.Tls12 | SslProtocols.Tls13, "tls1.2 (TLS 1.2 and 1.3)")]
    [InlineData("TLS1.3", SslProtocols.Tls13, "tls1.3 (TLS 1.3 only)")]
    public void TlsMinVersion_maps_onto_the_enabled_protocols(string? value, SslProtocols expected, string shown)
    {
        var settings = Parse(value is null ? "" : $", \"tlsMinVersion\": \"{value}\"").GetSettingsOrThrow();
        Assert.Equal(expected, SinkSettingsMapping.ToClientOptions(settings, new MqttSinkRuntimeOptions()).Tls!.EnabledProtocols);
        Assert.Contains($"tlsMinVersion         {shown}\n", settings.Describe());
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("never", false)]
    [InlineData("freely", true)]
    [InlineData("once", true)]
    public void RenegotiationSupport_maps_onto_AllowRenegotiation(string? value, bool allowed)
    {
        var result = Parse(value is null ? "" : $", \"renegotiationSupport\": \"{value}\"");
        Assert.Equal(allowed, SinkSettingsMapping.ToClientOptions(result.GetSettingsOrThrow(), new MqttSinkRuntimeOptions()).Tls!.AllowRenegotiation);
        if (value == "once")
            Assert.Contains("renegotiationSupport: is \"once\", but .NET's SslStream cannot count renegotiations: they are allowed as often as the server asks (as with \"freely\"); TLS 1.3 has no renegotiation at all", Texts(result));
    }

    [Fact]
    public void Misspelt_knobs_get_did_you_mean()
    {
        var result = Parse(", \"tlsMinVersio\": \"tls1.3\", \"rootCaRaw\": \"x\"");
        Assert.Contains(result.Warnings, w => w.ToString().Contains("did you mean \"tlsMinVersion\"?"));
        // Case-insensitive match, as eKuiper decodes: accepted with a spelling warning.
        Assert.Contains(result.Warnings, w => w.ToString().StartsWith("rootCARaw: is written \"rootCaRaw\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_shows_the_aws_alpn_and_an_explicit_list()
    {
        string aws = Parse(", \"username\": \"dev?x-amz-customauthorizer-name=a\", \"password\": \"p\"", "ssl://abc-ats.iot.eu-west-1.amazonaws.com:443").GetSettingsOrThrow().Describe();
        Assert.Contains("alpn                  mqtt (AWS IoT on port 443, user name: custom authorizer)\n", aws);
        string plain = Parse(", \"alpn\": [\"a\", \"b\"]").GetSettingsOrThrow().Describe();
        Assert.Contains("alpn                  a, b\n", plain);
    }
}

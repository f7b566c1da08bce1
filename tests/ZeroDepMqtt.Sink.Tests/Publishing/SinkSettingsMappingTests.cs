using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink.Tests.Publishing;

public sealed class SinkSettingsMappingTests(TestFiles files) : IClassFixture<TestFiles>
{
    private SinkSettings Settings(string json) => MqttSinkConfig.Parse(json, files.Context).GetSettingsOrThrow();

    [Fact]
    public void Every_setting_lands_in_the_client_options()
    {
        var settings = Settings($$"""
            {"server": "ssl://broker.example:9883", "topic": "a/b", "qos": 2, "clientId": "dev-1", "protocolVersion": "3.1.1",
             "username": "bob", "password": "{{TestFiles.Password}}", "certificationPath": "cert.pem", "privateKeyPath": "key-enc.pem",
             "privateKeyPassphrase": "{{TestFiles.Passphrase}}", "rootCaPath": "ca.pem"}
            """);
        var runtime = new MqttSinkRuntimeOptions { MaxInFlight = 7, MaxQueuedMessages = 70, KeepAliveSeconds = 5, ReconnectGiveUpAfter = TimeSpan.FromSeconds(3), DisconnectTimeout = TimeSpan.FromSeconds(4), ConnectTimeout = TimeSpan.FromSeconds(6) };
        var options = SinkSettingsMapping.ToClientOptions(settings, runtime);

        Assert.Equal(new BrokerAddress("broker.example", 9883, useTls: true), options.Broker);
        Assert.Equal("dev-1", options.ClientId);
        Assert.Equal(MqttProtocolVersion.V311, options.ProtocolVersion);
        Assert.False(options.CleanSession);
        Assert.Equal("bob", options.UserName);
        Assert.Equal(7, options.MaxInFlight);
        Assert.Equal(70, options.MaxQueuedMessages);
        Assert.Equal(5, options.KeepAliveSeconds);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Reconnect.GiveUpAfter);
        Assert.Equal(TimeSpan.FromSeconds(4), options.DisconnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(6), options.ConnectTimeout);
        var tls = Assert.IsType<ZeroDepMqtt.Transport.Tls.TlsOptions>(options.Tls);
        Assert.Equal(files.PathOf("ca.pem"), tls.RootCaPath);
        Assert.Equal(files.PathOf("cert.pem"), tls.ClientCertificatePath);
        Assert.Equal(files.PathOf("key-enc.pem"), tls.PrivateKeyPath);
        Assert.Equal(TestFiles.Passphrase, tls.PrivateKeyPassphrase);
        Assert.False(tls.InsecureSkipVerify);
        Assert.Null(tls.ApplicationProtocols);
    }

    [Fact]
    public async Task Password_provider_returns_the_utf8_password_on_every_call()
    {
        var options = SinkSettingsMapping.ToClientOptions(Settings("""{"server": "tcp://h", "topic": "t", "username": "u", "password": "pässwörd"}"""), new());
        var provider = Assert.IsType<Func<CancellationToken, ValueTask<byte[]?>>>(options.PasswordProvider);
        Assert.Equal(Encoding.UTF8.GetBytes("pässwörd"), await provider(default));
        Assert.Equal(Encoding.UTF8.GetBytes("pässwörd"), await provider(default));
    }

    [Fact]
    public void No_password_no_provider_and_plain_tcp_no_tls()
    {
        var options = SinkSettingsMapping.ToClientOptions(Settings("""{"server": "tcp://h", "topic": "t"}"""), new());
        Assert.Null(options.PasswordProvider);
        Assert.Null(options.Tls);
        Assert.Equal(MqttProtocolVersion.V310, options.ProtocolVersion); // the documented default, 3.1
        Assert.Null(options.Reconnect.GiveUpAfter);                      // the sink reconnects forever by default
    }

    [Theory]
    [InlineData("ssl://xyz-ats.iot.us-east-1.amazonaws.com:443", "", null)]
    [InlineData("ssl://xyz-ats.iot.us-east-1.amazonaws.com:443", ", \"username\": \"u?x-amz-customauthorizer-name=a\"", "mqtt")]
    [InlineData("ssl://xyz-ats.iot.us-east-1.amazonaws.com:8883", ", \"username\": \"u\"", null)]
    [InlineData("ssl://example.com:443", ", \"username\": \"u\"", null)]
    [InlineData("ssl://xyz-ats.iot.us-east-1.amazonaws.com:443", ", \"username\": \"u\", \"alpn\": [\"x-amzn-mqtt-ca\", \"h2\"]", "x-amzn-mqtt-ca,h2")]
    [InlineData("ssl://example.com:8883", ", \"alpn\": [\"mqtt\"]", "mqtt")]
    public void Alpn_is_the_alpn_option_or_what_Transport_decides_for_aws_iot_on_443(string server, string extra, string? expected)
    {
        var options = SinkSettingsMapping.ToClientOptions(Settings($$"""{"server": "{{server}}", "topic": "t", "insecureSkipVerify": true{{extra}}}"""), new());
        // The sink passes the alpn option through (null without it); AWS's rule has one owner, Transport's AwsIotAlpn.
        var offered = ZeroDepMqtt.Transport.Tls.AwsIotAlpn.For(options.Broker, options.Tls!, options.UserName);
        Assert.Equal(expected, offered is null ? null : string.Join(",", offered));
        Assert.True(options.Tls!.InsecureSkipVerify);
    }
}

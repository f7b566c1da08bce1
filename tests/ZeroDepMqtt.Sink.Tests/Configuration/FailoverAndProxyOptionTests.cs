using ZeroDepMqtt.Transport;
using ZeroDepMqtt.Transport.Connections;

namespace ZeroDepMqtt.Sink.Tests.Configuration;

/// <summary><c>server</c> as a failover list, <c>ws://</c>/<c>wss://</c> servers and <c>httpProxy</c>: validation
/// messages, what validate prints (never the proxy password), and the client options they become.</summary>
public sealed class FailoverAndProxyOptionTests(TestFiles files) : IClassFixture<TestFiles>
{
    private const string ProxyPassword = "pr0xy-pa55";

    private ConfigResult Parse(string json) => MqttSinkConfig.Parse(json, files.Context);

    [Fact]
    public void A_server_list_becomes_Broker_and_AlternateBrokers_in_order()
    {
        var settings = Parse("""{"server": ["tcp://a:1883", "wss://b.example", "ssl://c:8883"], "topic": "t", "insecureSkipVerify": true}""").GetSettingsOrThrow();
        Assert.Equal(BrokerAddress.Parse("tcp://a:1883"), settings.Broker);
        Assert.Equal([BrokerAddress.Parse("wss://b.example:443/mqtt"), BrokerAddress.Parse("ssl://c:8883")], settings.AlternateBrokers);
        var options = SinkSettingsMapping.ToClientOptions(settings, new MqttSinkRuntimeOptions());
        Assert.Equal(settings.Broker, options.Broker);
        Assert.Equal(settings.AlternateBrokers, options.AlternateBrokers);
        // TLS options apply because later entries use TLS, although the first does not.
        Assert.True(options.Tls?.InsecureSkipVerify);
    }

    [Fact]
    public void A_list_of_one_is_one_server()
    {
        var settings = Parse("""{"server": ["tcp://a:1883"], "topic": "t"}""").GetSettingsOrThrow();
        Assert.Empty(settings.AlternateBrokers);
        Assert.Equal("tcp://a:1883", settings.Broker.ToString());
    }

    [Theory]
    [InlineData("""[]""", "server: is an empty list; give at least one address, e.g. [\"tcp://127.0.0.1:1883\"]")]
    [InlineData("""["tcp://a", 5]""", "server: entry 1: 5 is a number; expected a string such as \"tcp://127.0.0.1:1883\"")]
    [InlineData("""["tcp://a", "udp://b"]""", "server: entry 1: scheme \"udp\" is not supported")]
    [InlineData("""["tcp://a", "tcp://u:p@b"]""", "server: entry 1 contains '@'")]
    public void Bad_lists_name_the_entry(string list, string expected)
    {
        var result = Parse($$"""{"server": {{list}}, "topic": "t"}""");
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_prints_the_list_and_the_proxy_without_its_password()
    {
        var result = Parse($$"""{"server": ["ws://a:9001", "tcp://b"], "topic": "t", "httpProxy": "http://gw:{{ProxyPassword}}@proxy:3128"}""");
        string described = result.GetSettingsOrThrow().Describe();
        Assert.Contains("server                ws://a:9001/mqtt (WebSocket), then failover to:\n", described);
        Assert.Contains("  server[1]           tcp://b:1883 (plain TCP)\n", described);
        Assert.Contains("httpProxy             http://***@proxy:3128\n", described);
        Assert.DoesNotContain(ProxyPassword, described);
        Assert.DoesNotContain(ProxyPassword, result.GetSettingsOrThrow().ToString());
        Assert.DoesNotContain(ProxyPassword, result.Options!.ToString());
    }

    [Fact]
    public void Without_httpProxy_validate_says_which_environment_variables_ws_uses()
    {
        string described = Parse("""{"server": "wss://b.example", "topic": "t"}""").GetSettingsOrThrow().Describe();
        Assert.Contains("httpProxy             (not set: ws/wss use http_proxy/HTTP_PROXY or https_proxy/HTTPS_PROXY unless no_proxy/NO_PROXY matches)\n", described);
    }

    [Fact]
    public void HttpProxy_maps_onto_the_client()
    {
        var settings = Parse($$"""{"server": "tcp://b", "topic": "t", "httpProxy": "http://gw:{{ProxyPassword}}@proxy:3128"}""").GetSettingsOrThrow();
        var options = SinkSettingsMapping.ToClientOptions(settings, new MqttSinkRuntimeOptions());
        Assert.Equal(new HttpProxy("proxy", 3128, "gw", ProxyPassword), options.HttpProxy);
    }

    [Theory]
    [InlineData("\"https://gw:" + ProxyPassword + "@proxy:3128\"", "httpProxy: an https:// proxy (TLS to the proxy itself) is not supported")]
    [InlineData("\"http://gw:" + ProxyPassword + "@proxy:0\"", "httpProxy: port \"0\" of the proxy address \"http://***@proxy:0\" is not a number from 1 to 65535")]
    [InlineData("3128", "httpProxy: found a number; expected a string such as \"http://proxy.example:3128\"")]
    public void Bad_proxies_are_errors_that_never_print_the_password(string value, string expected)
    {
        var result = Parse($$"""{"server": "tcp://b", "topic": "t", "httpProxy": {{value}}}""");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ProxyPassword, error.ToString());
    }

    [Fact]
    public void Aws_alpn_is_not_offered_over_wss()
    {
        var settings = Parse("""{"server": "wss://x-ats.iot.us-east-1.amazonaws.com:443/mqtt", "topic": "t"}""").GetSettingsOrThrow();
        Assert.Null(SinkSettingsMapping.ToClientOptions(settings, new MqttSinkRuntimeOptions()).Tls?.ApplicationProtocols);
    }
}

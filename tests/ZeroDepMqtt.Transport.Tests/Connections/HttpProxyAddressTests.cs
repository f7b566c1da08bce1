using ZeroDepMqtt.Transport.Connections;

namespace ZeroDepMqtt.Transport.Tests.Connections;

/// <summary>Parsing <c>http://[user:password@]host:port</c>, masking it, and choosing a proxy from the environment.</summary>
public sealed class HttpProxyAddressTests
{
    [Theory]
    [InlineData("http://proxy.example:3128", "proxy.example", 3128, null, null)]
    [InlineData("http://proxy.example", "proxy.example", 80, null, null)]
    [InlineData("proxy.example:8080", "proxy.example", 8080, null, null)]
    [InlineData("http://u:p@proxy.example:3128/", "proxy.example", 3128, "u", "p")]
    [InlineData("http://dom%5Cuser:p%40ss@[::1]:3128", "::1", 3128, "dom\\user", "p@ss")]
    public void Parses(string text, string host, int port, string? user, string? password)
    {
        var proxy = HttpProxy.Parse(text);
        Assert.Equal((host, port, user, password), (proxy.Host, proxy.Port, proxy.UserName, proxy.Password));
    }

    [Theory]
    [InlineData("https://u:secret@proxy:3128", "https:// proxy (TLS to the proxy itself) is not supported")]
    [InlineData("socks5://proxy:1080", "proxy scheme \"socks5\" is not supported")]
    [InlineData("http://u:secret@proxy:99999", "port \"99999\" of the proxy address \"http://***@proxy:99999\"")]
    [InlineData("http://u:secret@proxy:3128/path", "has a path")]
    [InlineData("http://:secret@proxy:3128", "has '@' but no user name")]
    [InlineData("", "is empty")]
    public void Rejects_with_a_message_that_never_holds_the_password(string text, string expected)
    {
        Assert.False(HttpProxy.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        Assert.DoesNotContain("secret", error);
    }

    [Fact]
    public void ToString_never_shows_credentials()
    {
        var proxy = HttpProxy.Parse("http://gateway:s3cret@10.0.0.1:3128");
        Assert.Equal("http://***@10.0.0.1:3128", proxy.ToString());
        Assert.Equal("http://10.0.0.1:3128", HttpProxy.Parse("http://10.0.0.1:3128").ToString());
        Assert.Equal("Basic Z2F0ZXdheTpzM2NyZXQ=", proxy.BasicAuthorization);
    }

    [Theory]
    [InlineData("wss://broker.example/mqtt", "https_proxy", "http://p:1")]
    [InlineData("wss://broker.example/mqtt", "HTTPS_PROXY", "http://p:1")]
    [InlineData("ws://broker.example/mqtt", "http_proxy", "http://p:1")]
    [InlineData("ws://broker.example/mqtt", "HTTP_PROXY", "http://p:1")]
    public void WebSocket_addresses_take_the_proxy_of_their_scheme_from_the_environment(string broker, string variable, string value)
    {
        var proxy = HttpProxy.FromEnvironment(BrokerAddress.Parse(broker), name => name == variable ? value : null);
        Assert.Equal(HttpProxy.Parse(value), proxy);
    }

    [Theory]
    [InlineData("ws://broker.example/mqtt", "https_proxy")]        // ws uses the http variables only
    [InlineData("wss://broker.example/mqtt", "http_proxy")]        // wss the https ones only
    [InlineData("tcp://broker.example:1883", "https_proxy")]       // MQTT over TCP/TLS never reads them
    [InlineData("ssl://broker.example:8883", "HTTPS_PROXY")]
    [InlineData("wss://localhost/mqtt", "https_proxy")]            // loopback is never proxied
    [InlineData("wss://127.0.0.1/mqtt", "https_proxy")]
    [InlineData("wss://[::1]/mqtt", "https_proxy")]
    public void Other_combinations_use_no_environment_proxy(string broker, string variable)
        => Assert.Null(HttpProxy.FromEnvironment(BrokerAddress.Parse(broker), name => name == variable ? "http://p:1" : null));

    [Fact]
    public void Lower_case_variables_win_over_upper_case()
    {
        var env = new Dictionary<string, string> { ["https_proxy"] = "http://lower:1", ["HTTPS_PROXY"] = "http://upper:1" };
        Assert.Equal("lower", HttpProxy.FromEnvironment(BrokerAddress.Parse("wss://b.example"), n => env.GetValueOrDefault(n))!.Host);
    }

    [Theory]
    [InlineData("*", "broker.example", 443, true)]
    [InlineData("broker.example", "broker.example", 443, true)]
    [InlineData("example", "broker.example", 443, true)]
    [InlineData(".example", "broker.example", 443, true)]
    [InlineData("*.example", "broker.example", 443, true)]
    [InlineData("other.example, broker.example", "broker.example", 443, true)]
    [InlineData("broker.example:443", "broker.example", 443, true)]
    [InlineData("broker.example:8443", "broker.example", 443, false)]
    [InlineData("ample", "broker.example", 443, false)]
    [InlineData("10.0.0.1", "10.0.0.1", 443, true)]
    [InlineData("10.0.0.0/8", "10.0.0.1", 443, false)]  // no CIDR ranges
    [InlineData("[fd00::1]:443", "fd00::1", 443, true)]
    public void No_proxy_rules(string noProxy, string host, int port, bool bypassed)
        => Assert.Equal(bypassed, HttpProxy.Bypassed(new BrokerAddress(host, port, useTls: true, "/mqtt"), noProxy));

    [Fact]
    public void A_malformed_environment_proxy_names_the_variable()
    {
        var e = Assert.Throws<FormatException>(() => HttpProxy.FromEnvironment(BrokerAddress.Parse("wss://b.example"), n => n == "HTTPS_PROXY" ? "https://u:pw@p:1" : null));
        Assert.StartsWith("environment variable HTTPS_PROXY: ", e.Message);
        Assert.DoesNotContain("pw", e.Message);
    }
}

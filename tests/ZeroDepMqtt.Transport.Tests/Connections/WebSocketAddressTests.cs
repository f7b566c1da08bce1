namespace ZeroDepMqtt.Transport.Tests.Connections;

/// <summary><c>ws://</c> and <c>wss://</c> broker addresses: default ports, default path, what prints.</summary>
public sealed class WebSocketAddressTests
{
    [Theory]
    [InlineData("ws://broker.example", "broker.example", 80, false, "/mqtt", "ws://broker.example:80/mqtt")]
    [InlineData("ws://broker.example/", "broker.example", 80, false, "/mqtt", "ws://broker.example:80/mqtt")]
    [InlineData("wss://broker.example", "broker.example", 443, true, "/mqtt", "wss://broker.example:443/mqtt")]
    [InlineData("WSS://broker.example:8084/ws", "broker.example", 8084, true, "/ws", "wss://broker.example:8084/ws")]
    [InlineData("ws://[::1]:9001/mqtt?token=a%20b", "::1", 9001, false, "/mqtt?token=a%20b", "ws://[::1]:9001/mqtt?token=a%20b")]
    [InlineData("ws://h:9001?x=1", "h", 9001, false, "/?x=1", "ws://h:9001/?x=1")]
    public void Parses(string text, string host, int port, bool tls, string path, string printed)
    {
        var a = BrokerAddress.Parse(text);
        Assert.Equal((host, port, tls, path, true), (a.Host, a.Port, a.UseTls, a.WebSocketPath, a.UseWebSocket));
        Assert.Equal(printed, a.ToString());
        Assert.Equal(a, BrokerAddress.Parse(printed));
    }

    [Theory]
    [InlineData("tcp://h:1883/mqtt", "only ws:// and wss:// take a path")]
    [InlineData("ws://h/a b", "percent-encode it")]
    [InlineData("ws://h/a#frag", "percent-encode it")]
    [InlineData("http://h/mqtt", "expected tcp, mqtt (plain), ssl, tls, mqtts, tcps (TLS), ws or wss (WebSocket)")]
    public void Rejects(string text, string expected)
    {
        Assert.False(BrokerAddress.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Tcp_and_tls_addresses_are_no_WebSocket()
    {
        Assert.False(BrokerAddress.Parse("tcp://h").UseWebSocket);
        Assert.Null(BrokerAddress.Parse("ssl://h").WebSocketPath);
        Assert.Equal("ssl://h:8883", BrokerAddress.Parse("tls://h/").ToString());
    }
}

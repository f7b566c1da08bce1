using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport.Connections;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests.Connections;

/// <summary>MQTT through a real HTTP CONNECT proxy (tinyproxy) to a real Mosquitto, and the proxy's refusals as the
/// caller sees them: naming the proxy, never its password.</summary>
[Collection(BrokerCollections.Plain)]
public sealed class HttpProxyTunnelTests(PlainMosquittoFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const string ProxyPassword = "pr0xy-s3cret";
    private MosquittoBroker Broker => fixture.Broker;

    private MqttClientOptions Options(string prefix, HttpProxy proxy, BrokerAddress? broker = null)
        => TestClients.Options(Broker, prefix) with
        {
            Broker = broker ?? Broker.Address(),
            HttpProxy = proxy,
            // One attempt: a refusal must surface from ConnectAsync instead of being retried forever.
            Reconnect = new ReconnectOptions { MaxAttempts = 1 },
        };

    [Fact]
    public async Task Tcp_through_the_proxy_delivers_and_the_proxy_logs_the_tunnel()
    {
        await using var proxy = await TinyproxyServer.StartAsync(connectPorts: [Broker.Port]);
        await OnFailure(proxy, async () =>
        {
            string topic = $"proxy/{Guid.NewGuid():N}";
            await using var client = await TestClients.ConnectAsync(Options("proxy-ok", proxy.Proxy));
            await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
            await client.PublishAsync(topic, "via proxy"u8.ToArray(), QualityOfService.AtLeastOnce);
            Assert.Equal("via proxy"u8.ToArray(), (await client.ReadAsync(1, Timeout))[0].Payload.ToArray());
            Assert.Equal(1, proxy.Tunnels);
        });
    }

    [Fact]
    public async Task Proxy_credentials_are_sent_and_a_missing_one_is_a_407_naming_the_proxy()
    {
        await using var proxy = await TinyproxyServer.StartAsync(user: "gateway", password: ProxyPassword);
        await OnFailure(proxy, async () =>
        {
            await using (var client = await TestClients.ConnectAsync(Options("proxy-auth", proxy.Proxy)))
                Assert.True(client.IsConnected);

            var refused = await RefusalAsync(Options("proxy-noauth", new HttpProxy("127.0.0.1", proxy.Port)));
            Assert.Equal(407, refused.Status);
            Assert.Contains($"HTTP proxy http://127.0.0.1:{proxy.Port} refused the tunnel to 127.0.0.1:{Broker.Port}: 407", refused.Message);
            Assert.Contains("requires credentials", refused.Message);

            var wrong = await RefusalAsync(Options("proxy-badauth", new HttpProxy("127.0.0.1", proxy.Port, "gateway", "wrong-" + ProxyPassword)));
            // tinyproxy 1.11 answers wrong credentials with 401, not 407.
            Assert.Contains(wrong.Status, new int?[] { 401, 407 });
            Assert.Contains("refused the user name and password", wrong.Message);
            Assert.DoesNotContain(ProxyPassword, wrong.Message);
            Assert.Contains($"http://***@127.0.0.1:{proxy.Port}", wrong.Message);
        });
    }

    [Fact]
    public async Task A_port_the_proxy_forbids_is_a_403_naming_the_proxy()
    {
        await using var proxy = await TinyproxyServer.StartAsync(connectPorts: [443]);
        await OnFailure(proxy, async () =>
        {
            var refused = await RefusalAsync(Options("proxy-403", proxy.Proxy));
            Assert.Equal(403, refused.Status);
            Assert.Contains($"HTTP proxy http://127.0.0.1:{proxy.Port} refused the tunnel to 127.0.0.1:{Broker.Port}: 403", refused.Message);
        });
    }

    [Fact]
    public async Task A_broker_the_proxy_cannot_reach_is_its_error_status_naming_the_proxy()
    {
        await using var proxy = await TinyproxyServer.StartAsync();
        await OnFailure(proxy, async () =>
        {
            // Port 1 on loopback: nothing listens there, so the proxy's own connect fails.
            var refused = await RefusalAsync(Options("proxy-5xx", proxy.Proxy, new BrokerAddress("127.0.0.1", 1, useTls: false)));
            Assert.InRange(refused.Status ?? 0, 500, 504);
            Assert.Contains($"HTTP proxy http://127.0.0.1:{proxy.Port} refused the tunnel to 127.0.0.1:1: {refused.Status}", refused.Message);
        });
    }

    [Fact]
    public async Task A_proxy_that_is_not_listening_is_named_as_unreachable()
    {
        await using var proxy = await TinyproxyServer.StartAsync();
        int port = proxy.Port;
        await proxy.DisposeAsync();
        var refused = await RefusalAsync(Options("proxy-down", new HttpProxy("127.0.0.1", port)));
        Assert.Null(refused.Status);
        Assert.Contains($"cannot reach HTTP proxy http://127.0.0.1:{port}", refused.Message);
    }

    [Fact]
    public async Task Tls_through_the_proxy_checks_the_broker_certificate_end_to_end()
    {
        await using var tlsBroker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = MosquittoTls.ServerOnly });
        await using var proxy = await TinyproxyServer.StartAsync(connectPorts: [tlsBroker.Port]);
        await OnFailure(proxy, async () =>
        {
            var options = Options("proxy-tls", proxy.Proxy, tlsBroker.Address("localhost")) with
            {
                Tls = new TlsOptions { RootCaPath = TestCertificates.Instance.CaPath },
            };
            string topic = $"proxy/tls/{Guid.NewGuid():N}";
            await using var client = await TestClients.ConnectAsync(options);
            await client.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
            await client.PublishAsync(topic, "tls via proxy"u8.ToArray(), QualityOfService.ExactlyOnce);
            Assert.Equal("tls via proxy"u8.ToArray(), (await client.ReadAsync(1, Timeout))[0].Payload.ToArray());
            Assert.Equal(1, proxy.Tunnels);
        });
    }

    private async Task<HttpProxyException> RefusalAsync(MqttClientOptions options)
    {
        await using var client = new MqttClient(options);
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Timeout, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Exception? inner = e;
        while (inner is not null and not HttpProxyException) inner = inner.InnerException;
        var proxyError = Assert.IsType<HttpProxyException>(inner);
        Assert.Contains(proxyError.Message, e.Message);
        return proxyError;
    }

    private async Task OnFailure(TinyproxyServer proxy, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            output.WriteLine("--- tinyproxy log ---\n" + proxy.Log);
            output.WriteLine(Broker.LogTail());
            throw;
        }
    }
}

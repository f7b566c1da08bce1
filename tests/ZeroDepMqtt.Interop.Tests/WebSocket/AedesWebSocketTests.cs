using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;
using ZeroDepMqtt.Transport.Connections;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Interop.Tests.WebSocket;

/// <summary>MQTT over WebSocket against aedes 1.2.0 with the npm <c>ws</c> package: both protocol versions and their
/// subprotocols, every QoS with payloads much larger than a WebSocket frame, wss with a required client certificate,
/// a wrong path, and ws through an HTTP proxy.</summary>
public sealed class AedesWebSocketTests(AedesWebSocketFixture fixture, ITestOutputHelper output) : IClassFixture<AedesWebSocketFixture>
{
    private static readonly TestCertificates Certs = TestCertificates.Instance;

    private static MqttClientOptions Options(IBrokerUnderTest broker, string prefix, BrokerAddress address, MqttProtocolVersion version = MqttProtocolVersion.V311)
        => InteropClients.Options(broker, prefix, version) with { Broker = address };

    private BrokerAddress WsAddress(string path = "/mqtt") => BrokerAddress.Parse($"ws://127.0.0.1:{fixture.Ws.Port}{path}");

    public static TheoryData<MqttProtocolVersion, QualityOfService> VersionsAndQoS()
    {
        var data = new TheoryData<MqttProtocolVersion, QualityOfService>();
        foreach (var v in new[] { MqttProtocolVersion.V310, MqttProtocolVersion.V311 })
            foreach (var q in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
                data.Add(v, q);
        return data;
    }

    [AedesTheory]
    [MemberData(nameof(VersionsAndQoS))]
    public Task Ws_delivers_exact_bytes_in_order_and_offers_the_subprotocol_of_the_version(MqttProtocolVersion version, QualityOfService qos)
        => output.OnFailureAsync(fixture.Ws, async () =>
        {
            string topic = InteropClients.NewTopic("ws");
            await using var subscriber = await InteropClients.ConnectAsync(Options(fixture.Ws, "wssub", WsAddress(), version));
            await using var publisher = await InteropClients.ConnectAsync(Options(fixture.Ws, "wspub", WsAddress(), version));
            await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
            // 0 bytes, 300 kB (a packet spanning many frames of the pipe's 4 kB segments) and small ones, all at once.
            var payloads = Enumerable.Range(0, 40).Select(i => i == 1 ? Enumerable.Range(0, 300_000).Select(b => (byte)b).ToArray() : new byte[i == 0 ? 0 : i * 7]).ToArray();
            await Task.WhenAll(payloads.Select(p => publisher.PublishAsync(topic, p, qos).AsTask())).WaitAsync(InteropClients.Deadline);
            var received = await subscriber.ReceiveAsync(payloads.Length);
            for (int i = 0; i < payloads.Length; i++)
                Assert.True(payloads[i].AsSpan().SequenceEqual(received[i].Payload.Span), $"message {i} differs");
            string expected = version == MqttProtocolVersion.V310 ? "mqttv3.1" : "mqtt";
            Assert.Contains($"websocket /mqtt protocol {expected}", fixture.Ws.LogTail(400));
        });

    [AedesFact]
    public Task A_wrong_path_is_an_upgrade_error_naming_the_address_and_status()
        => output.OnFailureAsync(fixture.Ws, async () =>
        {
            var options = Options(fixture.Ws, "wspath", WsAddress("/not-mqtt")) with { Reconnect = new ReconnectOptions { MaxAttempts = 1 } };
            await using var client = new MqttClient(options);
            var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().WaitAsync(InteropClients.Deadline));
            output.WriteLine(e.Message);
            var upgrade = Assert.IsType<WebSocketUpgradeException>(e.InnerException?.InnerException ?? e.InnerException);
            Assert.Equal(400, upgrade.Status);
            Assert.Contains($"ws://127.0.0.1:{fixture.Ws.Port}/not-mqtt answered the WebSocket upgrade with HTTP 400", e.Message);
        });

    [AedesFact]
    public Task Wss_with_a_client_certificate_delivers_and_without_one_is_refused()
        => output.OnFailureAsync(fixture.Wss, async () =>
        {
            var address = BrokerAddress.Parse($"wss://localhost:{fixture.Wss.Port}");   // default path /mqtt
            var client = Certs.Client("ec-pkcs8");
            var tls = new TlsOptions { RootCaPath = Certs.CaPath, ClientCertificatePath = client.CertificatePath, PrivateKeyPath = client.KeyPath };
            string topic = InteropClients.NewTopic("wss");
            await using (var c = await InteropClients.ConnectAsync(Options(fixture.Wss, "wss", address) with { Tls = tls }))
            {
                await c.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
                await c.PublishAsync(topic, "over wss"u8.ToArray(), QualityOfService.AtLeastOnce);
                Assert.Equal("over wss"u8.ToArray(), (await c.ReceiveAsync(1))[0].Payload.ToArray());
            }
            Assert.Contains("client certificate", fixture.Wss.LogTail(400));

            var noCert = Options(fixture.Wss, "wssnocert", address) with
            {
                Tls = new TlsOptions { RootCaPath = Certs.CaPath },
                Reconnect = new ReconnectOptions { MaxAttempts = 1 },
            };
            await using var refused = new MqttClient(noCert);
            var e = await Assert.ThrowsAsync<MqttClientException>(() => refused.ConnectAsync().AsTask().WaitAsync(InteropClients.Deadline));
            output.WriteLine(e.Message);
            Assert.Contains($"wss://localhost:{fixture.Wss.Port}/mqtt", e.Message);
        });

    [AedesFact]
    public async Task Ws_through_an_http_proxy_delivers_and_the_proxy_saw_the_tunnel()
    {
        await using var proxy = await TinyproxyServer.StartAsync(connectPorts: [fixture.Ws.Port]);
        await output.OnFailureAsync(fixture.Ws, async () =>
        {
            string topic = InteropClients.NewTopic("wsproxy");
            // Loopback is never proxied from the environment, so the proxy is given explicitly.
            await using var client = await InteropClients.ConnectAsync(Options(fixture.Ws, "wsproxy", WsAddress()) with { HttpProxy = proxy.Proxy });
            await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
            await client.PublishAsync(topic, "ws via proxy"u8.ToArray(), QualityOfService.AtLeastOnce);
            Assert.Equal("ws via proxy"u8.ToArray(), (await client.ReceiveAsync(1))[0].Payload.ToArray());
            Assert.True(proxy.Tunnels == 1, $"tinyproxy logged {proxy.Tunnels} CONNECT request(s):\n{proxy.Log}");
        });
    }
}

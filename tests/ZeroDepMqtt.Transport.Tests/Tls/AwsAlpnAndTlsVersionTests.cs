using System.Security.Authentication;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport.Connections;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests.Tls;

/// <summary>
/// AWS IoT's port-443 ALPN rule end to end: a test TLS server that, like AWS IoT on 443, refuses a connection without
/// the ALPN naming the authentication and forwards the others to Mosquitto. The client reaches
/// "xyz-ats.iot.us-east-1.amazonaws.com:443" through a test CONNECT proxy that tunnels to that server (no DNS, no port
/// 443 needed). Also <see cref="TlsOptions.EnabledProtocols"/> against a TLS 1.2-only server.
/// Run alone, so that the in-process TLS server's handshakes add no load beside load-sensitive cases (HostileBrokerTests'
/// deaf-broker QoS 0 case fails now and then under load, on the commit before these tests too).
/// </summary>
[Collection(InProcessTlsServerCollection.Name)]
public sealed class AwsAlpnAndTlsVersionTests(ITestOutputHelper output)
{
    private const string AwsHost = "xyz-ats.iot.us-east-1.amazonaws.com";
    private static readonly TestCertificates Certs = TestCertificates.Instance;

    private static MqttClientOptions Options(string host, HttpProxy proxy, TlsOptions tls, string? userName = null) => new()
    {
        Broker = BrokerAddress.Parse($"ssl://{host}:443"),
        ClientId = $"alpn-{Guid.NewGuid():N}"[..20],
        HttpProxy = proxy,
        Tls = tls,
        UserName = userName,
        PasswordProvider = userName is null ? null : _ => ValueTask.FromResult<byte[]?>("token"u8.ToArray()),
        CleanSession = true,
        Reconnect = new ReconnectOptions { MaxAttempts = 1 },
    };

    // The server certificate is for localhost; the point here is ALPN, so the name check is off.
    private static TlsOptions WithClientCertificate() => new()
    {
        InsecureSkipVerify = true,
        ClientCertificatePath = Certs.Client("rsa-pkcs8").CertificatePath,
        PrivateKeyPath = Certs.Client("rsa-pkcs8").KeyPath,
    };

    private static async Task PublishOnceAsync(MqttClientOptions options)
    {
        await using var client = new MqttClient(options);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(deadline.Token);
        await client.PublishAsync(TopicName.Create("aws/alpn"), "x"u8.ToArray(), QualityOfService.AtLeastOnce, false, deadline.Token);
        await client.DisconnectAsync(deadline.Token);
    }

    [Fact]
    public async Task Aws_on_443_with_a_client_certificate_offers_x_amzn_mqtt_ca_and_gets_through()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var frontend = new TestTlsFrontend(broker.Port, AwsIotAlpn.ClientCertificate);
        await using var proxy = new TestConnectProxy(frontend.Port);
        await output.OnFailureAsync(broker, () => PublishOnceAsync(Options(AwsHost, new HttpProxy("127.0.0.1", proxy.Port), WithClientCertificate())));
        Assert.Equal([$"CONNECT {AwsHost}:443 HTTP/1.1"], proxy.Requests);
        Assert.Equal([AwsIotAlpn.ClientCertificate], frontend.Negotiated);
    }

    [Fact]
    public async Task The_same_server_refuses_a_host_that_is_not_aws_because_no_alpn_is_offered()
    {
        // The check above can fail: for another host the client offers no ALPN and the server closes the connection.
        await using var broker = await MosquittoBroker.StartAsync();
        await using var frontend = new TestTlsFrontend(broker.Port, AwsIotAlpn.ClientCertificate);
        await using var proxy = new TestConnectProxy(frontend.Port);
        var e = await Assert.ThrowsAnyAsync<MqttClientException>(() => PublishOnceAsync(Options("broker.example", new HttpProxy("127.0.0.1", proxy.Port), WithClientCertificate())));
        output.WriteLine(e.Message);
        Assert.Equal([""], frontend.Negotiated);
    }

    [Fact]
    public async Task Aws_on_443_with_a_user_name_offers_mqtt_for_a_custom_authorizer()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var frontend = new TestTlsFrontend(broker.Port, AwsIotAlpn.CustomAuthorizer);
        await using var proxy = new TestConnectProxy(frontend.Port);
        await output.OnFailureAsync(broker, () => PublishOnceAsync(Options(AwsHost, new HttpProxy("127.0.0.1", proxy.Port),
            new TlsOptions { InsecureSkipVerify = true }, userName: "device?x-amz-customauthorizer-name=test")));
        Assert.Equal([AwsIotAlpn.CustomAuthorizer], frontend.Negotiated);
    }

    [Fact]
    public async Task An_explicit_alpn_list_overrides_the_aws_default()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var frontend = new TestTlsFrontend(broker.Port, "custom-proto");
        await using var proxy = new TestConnectProxy(frontend.Port);
        await output.OnFailureAsync(broker, () => PublishOnceAsync(Options(AwsHost, new HttpProxy("127.0.0.1", proxy.Port),
            WithClientCertificate() with { ApplicationProtocols = ["custom-proto"] })));
        Assert.Equal(["custom-proto"], frontend.Negotiated);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("u", null, "mqtt")]
    [InlineData(null, "cert.pem", "x-amzn-mqtt-ca")]
    [InlineData("u", "cert.pem", "mqtt")]
    public void The_aws_rule_picks_by_credentials(string? userName, string? certificate, string? expected)
    {
        var tls = new TlsOptions { ClientCertificatePath = certificate };
        Assert.Equal(expected, AwsIotAlpn.For(BrokerAddress.Parse($"ssl://{AwsHost}:443"), tls, userName)?.Single());
        Assert.Null(AwsIotAlpn.For(BrokerAddress.Parse($"ssl://{AwsHost}:8883"), tls, userName));
        Assert.Null(AwsIotAlpn.For(BrokerAddress.Parse($"wss://{AwsHost}:443/mqtt"), tls, userName));
    }

    [Fact]
    public async Task Tls13_only_fails_against_a_tls12_only_server_and_the_default_connects()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var frontend = new TestTlsFrontend(broker.Port, requiredAlpn: null, SslProtocols.Tls12);
        var address = BrokerAddress.Parse($"ssl://localhost:{frontend.Port}");
        var baseOptions = new MqttClientOptions { Broker = address, ClientId = "tls-version", CleanSession = true, Reconnect = new ReconnectOptions { MaxAttempts = 1 } };
        await using (var tls13 = new MqttClient(baseOptions with { Tls = new TlsOptions { RootCaPath = Certs.CaPath, EnabledProtocols = SslProtocols.Tls13 } }))
        {
            var e = await Assert.ThrowsAnyAsync<MqttClientException>(() => tls13.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            output.WriteLine(e.Message);
            Assert.Equal(MqttCloseReason.TlsFailure, e.Reason);
        }
        await output.OnFailureAsync(broker, () => PublishOnceAsync(baseOptions with { Tls = new TlsOptions { RootCaPath = Certs.CaPath, EnabledProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 } }));
    }
}

/// <summary>Tests with an in-process TLS server, run after the parallel ones (see <see cref="AwsAlpnAndTlsVersionTests"/>).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessTlsServerCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "in-process TLS server";
}

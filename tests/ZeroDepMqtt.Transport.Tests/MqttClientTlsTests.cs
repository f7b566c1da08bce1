using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>MqttClient over TLS against a real Mosquitto: what the caller sees when trust, name or certificate is wrong.</summary>
[Collection(BrokerCollections.Tls)]
public sealed class MqttClientTlsTests(TlsMosquittoFixture fixture, ITestOutputHelper output)
{
    private static readonly TestCertificates Certs = TestCertificates.Instance;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private MosquittoBroker Broker => fixture.Broker;

    private MqttClientOptions Options(string prefix, TlsOptions tls, string host = "localhost")
        => TestClients.Options(Broker, prefix) with { Broker = Broker.Address(host), Tls = tls };

    [Fact]
    public Task Trusted_broker_connects_and_delivers() => output.OnFailureAsync(Broker, async () =>
    {
        string topic = $"tls/{Guid.NewGuid():N}";
        await using var client = await TestClients.ConnectAsync(Options("tls-ok", new TlsOptions { RootCaPath = Certs.CaPath }));
        await client.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await client.PublishAsync(topic, "over tls"u8.ToArray(), QualityOfService.ExactlyOnce);
        Assert.Equal("over tls"u8.ToArray(), (await client.ReadAsync(1, Timeout))[0].Payload.ToArray());
    });

    [Fact]
    public Task Untrusted_server_certificate_fails_ConnectAsync_with_TlsFailure() => output.OnFailureAsync(Broker, async () =>
    {
        // The system store does not hold the test CA. A forever-reconnect policy must still stop: TLS trust will not fix itself.
        await using var client = new MqttClient(Options("tls-untrusted", new TlsOptions()));
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Timeout, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.TlsFailure, e.Reason);
        Assert.Equal(MqttCloseReason.TlsFailure, client.LastCloseReason);
        Assert.Contains("not trusted", e.Message);
    });

    [Fact]
    public Task Wrong_host_name_fails_with_TlsFailure_naming_it() => output.OnFailureAsync(Broker, async () =>
    {
        var tls = new TlsOptions { RootCaPath = Certs.CaPath, TargetHost = "broker.example.com" };
        await using var client = new MqttClient(Options("tls-name", tls, host: "127.0.0.1"));
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Timeout, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.TlsFailure, e.Reason);
        Assert.Contains("host name mismatch", e.Message);
        Assert.Contains("broker.example.com", e.Message);
    });

    [Fact]
    public void Mismatched_key_fails_the_constructor_naming_both_files()
    {
        var tls = new TlsOptions { RootCaPath = Certs.CaPath, ClientCertificatePath = Certs.ClientRsaCertPath, PrivateKeyPath = Certs.MismatchedKeyPath };
        var e = Assert.Throws<ClientCertificateException>(() => new MqttClient(Options("tls-key", tls)));
        output.WriteLine(e.Message);
        Assert.Contains(Certs.ClientRsaCertPath, e.Message);
        Assert.Contains(Certs.MismatchedKeyPath, e.Message);
    }
}

/// <summary>MqttClient against a broker with <c>require_certificate true</c> (the AWS IoT shape).</summary>
[Collection(BrokerCollections.ClientCertificate)]
public sealed class MqttClientClientCertificateTests(ClientCertificateMosquittoFixture fixture, ITestOutputHelper output)
{
    private static readonly TestCertificates Certs = TestCertificates.Instance;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private MosquittoBroker Broker => fixture.Broker;

    [Fact]
    public Task No_client_certificate_fails_ConnectAsync_with_TlsFailure() => output.OnFailureAsync(Broker, async () =>
    {
        var options = TestClients.Options(Broker, "cert-none") with { Broker = Broker.Address("localhost"), Tls = new TlsOptions { RootCaPath = Certs.CaPath } };
        await using var client = new MqttClient(options);
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Timeout, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.TlsFailure, e.Reason);
        Assert.Equal(MqttCloseReason.TlsFailure, client.LastCloseReason);
    });

    [Fact]
    public Task Client_certificate_connects_and_publishes() => output.OnFailureAsync(Broker, async () =>
    {
        var files = Certs.Client("ec-pkcs8-encrypted");
        var tls = new TlsOptions { RootCaPath = Certs.CaPath, ClientCertificatePath = files.CertificatePath, PrivateKeyPath = files.KeyPath, PrivateKeyPassphrase = files.Passphrase };
        string topic = $"cert/{Guid.NewGuid():N}";
        await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
        await using var client = await TestClients.ConnectAsync(TestClients.Options(Broker, "cert-ok") with { Broker = Broker.Address("localhost"), Tls = tls });
        await client.PublishAsync(topic, "aws shape"u8.ToArray(), QualityOfService.AtLeastOnce);
        Assert.Equal("aws shape"u8.ToArray(), (await sub.WaitForAsync(1, Timeout))[0].Payload);
    });
}

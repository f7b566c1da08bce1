using System.Security.Authentication;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests.Tls;

/// <summary>A Mosquitto listener with <c>require_certificate true</c> (the AWS IoT shape).</summary>
[Collection(BrokerCollections.ClientCertificate)]
public sealed class ClientCertificateHandshakeTests(ClientCertificateMosquittoFixture fixture, ITestOutputHelper output)
{
    private static readonly byte[] Accepted = [0x20, 0x02, 0x00, 0x00];
    private static readonly TestCertificates Certs = TestCertificates.Instance;
    private MosquittoBroker Broker => fixture.Broker;

    [Theory]
    [MemberData(nameof(TestCertificates.ClientFormData), MemberType = typeof(TestCertificates))]
    public Task Broker_accepts_the_PEM_client_certificate_in_every_key_form(string form) => output.OnFailureAsync(Broker, async () =>
    {
        var files = Certs.Client(form);
        var options = new TlsOptions
        {
            RootCaPath = Certs.CaPath,
            ClientCertificatePath = files.CertificatePath,
            PrivateKeyPath = files.KeyPath,
            PrivateKeyPassphrase = files.Passphrase,
        };
        using var connector = new TlsConnector(options);
        var tcp = await RawMqtt.OpenTcpAsync(Broker);
        await using var ssl = await connector.AuthenticateAsync(tcp, "localhost");
        Assert.Equal(Accepted, await RawMqtt.ConnectAsync(ssl, RawMqtt.V311("cert-" + form)));
    });

    [Fact]
    public Task Broker_refuses_a_client_without_certificate() => output.OnFailureAsync(Broker, async () =>
    {
        using var connector = new TlsConnector(new TlsOptions { RootCaPath = Certs.CaPath });
        var tcp = await RawMqtt.OpenTcpAsync(Broker);
        // With TLS 1.3 the client's handshake completes before the broker has checked the (absent) certificate, so the
        // refusal may arrive as the broker's alert on the first read instead of a failed handshake.
        var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var ssl = await connector.AuthenticateAsync(tcp, "localhost");
            await RawMqtt.ConnectAsync(ssl, RawMqtt.V311("cert-none"));
        });
        output.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.True(e is TlsHandshakeException or AuthenticationException or IOException, $"unexpected {e}");
    });

    [Fact]
    public void Mismatched_key_is_reported_before_connecting()
    {
        var e = Assert.Throws<ClientCertificateException>(() => new TlsConnector(new TlsOptions
        {
            ClientCertificatePath = Certs.ClientRsaCertPath,
            PrivateKeyPath = Certs.MismatchedKeyPath,
        }));
        Assert.Contains(Certs.ClientRsaCertPath, e.Message);
        Assert.Contains(Certs.MismatchedKeyPath, e.Message);
    }

    [Fact]
    public void Certificate_without_key_path_is_a_configuration_error()
    {
        var e = Assert.Throws<ClientCertificateException>(() => new TlsConnector(new TlsOptions { ClientCertificatePath = Certs.ClientRsaCertPath }));
        Assert.Equal($"a client certificate file ({Certs.ClientRsaCertPath}) was given without its private key file", e.Message);
    }

    [Fact]
    public void Missing_root_CA_file_is_a_configuration_error()
    {
        string missing = Path.Combine(Certs.Directory, "no-ca.pem");
        var e = Assert.Throws<TlsConfigurationException>(() => new TlsConnector(new TlsOptions { RootCaPath = missing }));
        Assert.StartsWith($"root CA file {missing} does not exist", e.Message);
    }

    [Fact]
    public void Root_CA_file_without_certificates_is_a_configuration_error()
    {
        string keyPath = Certs.Client("ec-pkcs8").KeyPath;
        var e = Assert.Throws<TlsConfigurationException>(() => new TlsConnector(new TlsOptions { RootCaPath = keyPath }));
        Assert.Equal($"root CA file {keyPath} holds no certificate (expected -----BEGIN CERTIFICATE-----)", e.Message);
    }
}

using System.Security.Authentication;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests.Tls;

/// <summary>TLS handshakes against a real Mosquitto TLS listener (server certificate only), then CONNECT/CONNACK.</summary>
[Collection(BrokerCollections.Tls)]
public sealed class TlsHandshakeTests(TlsMosquittoFixture fixture, ITestOutputHelper output)
{
    private static readonly byte[] Accepted = [0x20, 0x02, 0x00, 0x00];
    private static readonly TestCertificates Certs = TestCertificates.Instance;
    private MosquittoBroker Broker => fixture.Broker;

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public Task Root_CA_file_trusts_the_broker_and_CONNECT_is_accepted(string host) => output.OnFailureAsync(Broker, async () =>
    {
        var answer = await ConnectAsync(new TlsOptions { RootCaPath = Certs.CaPath }, host, "tls-root-ca");
        Assert.Equal(Accepted, answer);
    });

    [Fact]
    public Task System_store_does_not_trust_the_private_CA() => output.OnFailureAsync(Broker, async () =>
    {
        var e = await Assert.ThrowsAsync<TlsHandshakeException>(() => ConnectAsync(new TlsOptions(), "localhost", "tls-untrusted"));
        output.WriteLine(e.Message);
        Assert.Equal(TlsFailure.UntrustedCertificate, e.Failure);
        Assert.StartsWith($"TLS handshake with localhost failed: server certificate not trusted ({e.ChainStatus}): CN=localhost issued by CN=ZeroDepMqtt Test Root CA", e.Message);
        Assert.Contains("system trust store", e.Message);
    });

    [Fact]
    public Task Root_CA_file_of_another_CA_is_trusted_alone() => output.OnFailureAsync(Broker, async () =>
    {
        // The system store is not consulted and the broker's CA is not in the file: not trusted.
        var e = await Assert.ThrowsAsync<TlsHandshakeException>(() => ConnectAsync(new TlsOptions { RootCaPath = Certs.OtherCaPath }, "localhost", "tls-other-ca"));
        output.WriteLine(e.Message);
        Assert.Equal(TlsFailure.UntrustedCertificate, e.Failure);
        Assert.Contains($"server certificate not trusted ({e.ChainStatus})", e.Message);
        Assert.Contains($"trusted roots: the CA certificates in {Certs.OtherCaPath} only", e.Message);
    });

    [Fact]
    public Task Wrong_host_name_is_a_name_mismatch() => output.OnFailureAsync(Broker, async () =>
    {
        var options = new TlsOptions { RootCaPath = Certs.CaPath, TargetHost = "broker.example.com" };
        var e = await Assert.ThrowsAsync<TlsHandshakeException>(() => ConnectAsync(options, "127.0.0.1", "tls-wrong-name"));
        Assert.Equal(TlsFailure.HostNameMismatch, e.Failure);
        Assert.Equal("TLS handshake with broker.example.com failed: host name mismatch: certificate is for localhost, 127.0.0.1, connected to broker.example.com", e.Message);
    });

    [Theory]
    [InlineData("localhost")]
    [InlineData("broker.example.com")]
    public Task InsecureSkipVerify_accepts_an_untrusted_certificate_and_any_name(string targetHost) => output.OnFailureAsync(Broker, async () =>
    {
        var answer = await ConnectAsync(new TlsOptions { InsecureSkipVerify = true, TargetHost = targetHost }, "127.0.0.1", "tls-insecure");
        Assert.Equal(Accepted, answer);
    });

    [Fact]
    public Task Handshake_timeout_on_a_silent_peer_says_so() => output.OnFailureAsync(Broker, async () =>
    {
        // A listener that accepts and never answers stands in for a non-TLS or hung port.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        using var accepted = await silent.AcceptTcpClientAsync();
        using var connector = new TlsConnector(new TlsOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        var e = await Assert.ThrowsAsync<TlsHandshakeException>(async () => await connector.AuthenticateAsync(client.GetStream(), "localhost"));
        Assert.Equal(TlsFailure.Timeout, e.Failure);
        Assert.Equal("TLS handshake with localhost failed: no answer within 0.3 s (is this a TLS port?)", e.Message);
    });

    [Fact]
    public Task Caller_cancellation_is_not_reported_as_a_timeout() => output.OnFailureAsync(Broker, async () =>
    {
        using var connector = new TlsConnector(new TlsOptions { RootCaPath = Certs.CaPath });
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var stream = await RawMqtt.OpenTcpAsync(Broker);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await connector.AuthenticateAsync(stream, "localhost", cts.Token));
    });

    private async Task<byte[]> ConnectAsync(TlsOptions options, string host, string clientId)
    {
        using var connector = new TlsConnector(options);
        var tcp = await RawMqtt.OpenTcpAsync(Broker);
        await using var ssl = await connector.AuthenticateAsync(tcp, host);
        return await RawMqtt.ConnectAsync(ssl, RawMqtt.V311(clientId));
    }
}

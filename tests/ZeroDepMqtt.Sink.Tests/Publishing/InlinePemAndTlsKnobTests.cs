using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Publishing;

/// <summary><c>certificationRaw</c>/<c>privateKeyRaw</c>/<c>rootCARaw</c> and <c>tlsMinVersion</c> against Mosquitto
/// with TLS (the generated test CA, server and client certificates).</summary>
public sealed class InlinePemAndTlsKnobTests(ITestOutputHelper output)
{
    private static readonly TestCertificates Certs = TestCertificates.Instance;

    private static string B64(string path) => Convert.ToBase64String(File.ReadAllBytes(path));

    private static SinkSettings Settings(MosquittoBroker broker, string extra)
        => MqttSinkConfig.Parse($$"""{"server": "ssl://localhost:{{broker.Port}}", "topic": "tls/inline", "qos": 1, {{extra}}}""").GetSettingsOrThrow();

    [Theory]
    [InlineData("rsa-pkcs8")]
    [InlineData("ec-sec1")]
    [InlineData("rsa-pkcs8-encrypted")]
    [InlineData("chain")]
    public async Task Inline_client_certificate_key_and_ca_connect_where_a_certificate_is_required(string form)
    {
        var client = Certs.Client(form);
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = MosquittoTls.RequireClientCertificate });
        await output.OnFailureAsync(broker, async () =>
        {
            string passphrase = client.Passphrase is null ? "" : $", \"privateKeyPassphrase\": \"{client.Passphrase}\"";
            var settings = Settings(broker, $$""" "certificationRaw": "{{B64(client.CertificatePath)}}", "privateKeyRaw": "{{B64(client.KeyPath)}}", "rootCARaw": "{{B64(Certs.CaPath)}}"{{passphrase}}""");
            Assert.Null(settings.CertificatePath);
            Assert.NotNull(settings.CertificatePem);
            await using var sink = new MqttSink(settings);
            await sink.StartAsync();
            await sink.PublishAsync(Encoding.UTF8.GetBytes("inline")).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True((await sink.CompleteAsync()).AllAcknowledged);
        });
    }

    [Fact]
    public async Task Without_the_inline_client_certificate_the_broker_refuses()
    {
        // The check above can fail: the same broker refuses a sink that trusts the CA inline but sends no certificate.
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = MosquittoTls.RequireClientCertificate });
        await using var sink = new MqttSink(Settings(broker, $$""" "rootCARaw": "{{B64(Certs.CaPath)}}" """), new MqttSinkRuntimeOptions { ConnectGiveUpAfter = TimeSpan.FromSeconds(20) });
        var e = await Assert.ThrowsAsync<MqttSinkException>(() => sink.StartAsync().AsTask());
        output.WriteLine(e.Message);
        Assert.Contains(e.Kind, new[] { SinkErrorKind.TlsFailure, SinkErrorKind.Unreachable });
    }

    [Fact]
    public async Task Tls13_only_connects_to_a_tls13_broker()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = MosquittoTls.ServerOnly, ExtraConfig = ["tls_version tlsv1.3"] });
        await output.OnFailureAsync(broker, async () =>
        {
            var settings = Settings(broker, $$""" "rootCARaw": "{{B64(Certs.CaPath)}}", "tlsMinVersion": "tls1.3" """);
            Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, settings.TlsProtocols);
            await using var sink = new MqttSink(settings);
            await sink.StartAsync();
            await sink.PublishAsync(Encoding.UTF8.GetBytes("tls13")).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True((await sink.CompleteAsync()).AllAcknowledged);
        });
    }
}

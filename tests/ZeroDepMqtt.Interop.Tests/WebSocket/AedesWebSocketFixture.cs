using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Interop.Tests.WebSocket;

/// <summary>Two aedes brokers over WebSocket for one test class: <c>ws://127.0.0.1:PORT/mqtt</c>, and
/// <c>wss://localhost:PORT/mqtt</c> with the test server certificate, requiring a client certificate of the test CA.</summary>
public sealed class AedesWebSocketFixture : IAsyncLifetime
{
    private static readonly TestCertificates Certs = TestCertificates.Instance;

    /// <summary>aedes over ws.</summary>
    public AedesBroker Ws { get; } = new(null, new AedesWebSocket());

    /// <summary>aedes over wss with required client certificates.</summary>
    public AedesBroker Wss { get; } = new(null, new AedesWebSocket(CertificatePath: Certs.ServerCertPath, KeyPath: Certs.ServerKeyPath, ClientCaPath: Certs.CaPath));

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        if (AedesInstall.SkipReason is not null) return;   // the tests are skipped and say why
        await Ws.StartAsync();
        await Wss.StartAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        await Ws.DisposeAsync();
        await Wss.DisposeAsync();
    }
}

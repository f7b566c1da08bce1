namespace ZeroDepMqtt.TestSupport;

/// <summary>One broker shared by the tests of an xunit collection. Subclasses pick the options; tests get the broker
/// through their constructor and print <see cref="MosquittoBroker.LogTail"/> to their ITestOutputHelper on failure.</summary>
public abstract class MosquittoFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    /// <summary>The options of this fixture's broker.</summary>
    protected abstract MosquittoOptions Options { get; }

    /// <summary>The running broker.</summary>
    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("the fixture has not started");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(Options);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_broker is not null) await _broker.DisposeAsync();
    }
}

/// <summary>Plain TCP, anonymous clients allowed.</summary>
public sealed class PlainMosquittoFixture : MosquittoFixture
{
    /// <inheritdoc/>
    protected override MosquittoOptions Options => MosquittoOptions.Plain;
}

/// <summary>Plain TCP with a password file (<see cref="TestCredentials"/>); anonymous clients refused.</summary>
public sealed class PasswordMosquittoFixture : MosquittoFixture
{
    /// <inheritdoc/>
    protected override MosquittoOptions Options => new() { Users = TestCredentials.Users };
}

/// <summary>TLS with the test server certificate; anonymous clients allowed.</summary>
public sealed class TlsMosquittoFixture : MosquittoFixture
{
    /// <inheritdoc/>
    protected override MosquittoOptions Options => new() { Tls = MosquittoTls.ServerOnly };
}

/// <summary>TLS that requires a client certificate from the test CA: the AWS IoT shape.</summary>
public sealed class ClientCertificateMosquittoFixture : MosquittoFixture
{
    /// <inheritdoc/>
    protected override MosquittoOptions Options => new() { Tls = MosquittoTls.RequireClientCertificate };
}

/// <summary>Collection names for the shared brokers. xunit finds collection definitions only in the test assembly, so
/// the definitions are in InTestAssembly/BrokerCollectionDefinitions.cs, compiled into each test project that uses them.</summary>
public static class BrokerCollections
{
    /// <summary>Tests sharing a <see cref="PlainMosquittoFixture"/>.</summary>
    public const string Plain = "mosquitto plain";

    /// <summary>Tests sharing a <see cref="PasswordMosquittoFixture"/>.</summary>
    public const string Password = "mosquitto password";

    /// <summary>Tests sharing a <see cref="TlsMosquittoFixture"/>.</summary>
    public const string Tls = "mosquitto tls";

    /// <summary>Tests sharing a <see cref="ClientCertificateMosquittoFixture"/>.</summary>
    public const string ClientCertificate = "mosquitto client certificate";
}

using System.Text;
using ZeroDepMqtt.Transport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// The one place where sink settings become client options: which eKuiper option ends up where in
/// <see cref="MqttClientOptions"/>. <see cref="MqttSink"/> uses it; a program that wants the raw
/// <see cref="MqttClient"/> with the same configuration can too.
/// </summary>
public static class SinkSettingsMapping
{
    /// <summary>The client options for <paramref name="settings"/> and <paramref name="runtime"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static MqttClientOptions ToClientOptions(SinkSettings settings, MqttSinkRuntimeOptions runtime)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(runtime);
        return new MqttClientOptions
        {
            Broker = settings.Broker,
            AlternateBrokers = settings.AlternateBrokers,
            HttpProxy = settings.HttpProxy,
            ClientId = settings.ClientId,
            ProtocolVersion = settings.ProtocolVersion,
            // Clean session off: the broker keeps the QoS 1/2 state across reconnects, which is what makes
            // QoS 2 exactly-once and lets unacknowledged QoS 1 messages be resent with DUP.
            CleanSession = false,
            KeepAliveSeconds = runtime.KeepAliveSeconds,
            ConnectTimeout = runtime.ConnectTimeout,
            UserName = settings.Username,
            PasswordProvider = settings.SasKey is { } key ? SasPasswordProvider(key, settings.SasResource!, settings.SasTokenTtl!.Value) : PasswordProvider(settings.Password),
            // The token expires SasTokenTtl after it was made: close and reconnect with a new one before the hub drops us.
            MaxConnectionLifetime = settings.SasTokenTtl is { } ttl ? ttl - AzureSasToken.RenewalMargin(ttl) : null,
            Tls = settings.Broker.UseTls || settings.AlternateBrokers.Any(a => a.UseTls) ? Tls(settings) : null,
            MaxInFlight = runtime.MaxInFlight,
            MaxInFlightQoS2 = runtime.MaxInFlightQoS2,
            MaxQueuedMessages = runtime.MaxQueuedMessages,
            MaxQueuedBytes = runtime.MaxQueuedBytes,
            Reconnect = new ReconnectOptions { GiveUpAfter = runtime.ReconnectGiveUpAfter },
            DisconnectTimeout = runtime.DisconnectTimeout,
        };
    }

    private static Func<CancellationToken, ValueTask<byte[]?>>? PasswordProvider(string? password)
    {
        if (password is null) return null;
        // Encoded once; the provider is called before every connection attempt.
        byte[] utf8 = Encoding.UTF8.GetBytes(password);
        return _ => ValueTask.FromResult<byte[]?>(utf8);
    }

    // A new token for every connection attempt, valid for ttl from now.
    private static Func<CancellationToken, ValueTask<byte[]?>> SasPasswordProvider(byte[] key, string resource, TimeSpan ttl)
        => _ => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes(AzureSasToken.Create(key, resource, TimeProvider.System.GetUtcNow() + ttl)));

    private static TlsOptions Tls(SinkSettings settings) => new()
    {
        RootCaPath = settings.RootCaPath,
        InsecureSkipVerify = settings.InsecureSkipVerify,
        ClientCertificatePath = settings.CertificatePath,
        PrivateKeyPath = settings.PrivateKeyPath,
        ClientCertificatePem = settings.CertificatePem,
        PrivateKeyPem = settings.PrivateKeyPem,
        RootCaPem = settings.RootCaPem,
        EnabledProtocols = settings.TlsProtocols,
        AllowRenegotiation = settings.AllowRenegotiation,
        PrivateKeyPassphrase = settings.PrivateKeyPassphrase,
        // Null unless the alpn option is set: the client then applies AWS IoT's port-443 rule (Tls.AwsIotAlpn), its one owner.
        ApplicationProtocols = settings.Alpn,
    };
}

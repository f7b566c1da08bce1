using System.Globalization;
using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// A validated, resolved sink configuration: what the sink connects to and how it publishes. Produced only by
/// <see cref="MqttSinkConfig"/>; <see cref="ToString"/> and <see cref="Describe"/> mask the secrets.
/// </summary>
public sealed record SinkSettings
{
    internal SinkSettings() { }

    /// <summary>The broker's scheme, host and port; <see cref="BrokerAddress.UseTls"/> says whether TLS is used.</summary>
    public required BrokerAddress Broker { get; init; }

    /// <summary>Failover addresses tried after <see cref="Broker"/>, in order (<c>server</c> given as a list). Empty for one server.</summary>
    public IReadOnlyList<BrokerAddress> AlternateBrokers { get; init; } = [];

    /// <summary>The HTTP proxy from <c>httpProxy</c>, or <c>null</c>. Its <see cref="object.ToString"/> masks the credentials.</summary>
    public Transport.Connections.HttpProxy? HttpProxy { get; init; }

    /// <summary>The PUBLISH topic name, already checked against the topic-name rules of <see cref="ProtocolVersion"/>.</summary>
    public required string Topic { get; init; }

    /// <summary>The PUBLISH quality of service.</summary>
    public QualityOfService Qos { get; init; }

    /// <summary>The protocol version written in CONNECT.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; }

    /// <summary>The CONNECT client identifier: the configured one, or a generated one (see <see cref="ClientIdGenerated"/>).</summary>
    public required string ClientId { get; init; }

    /// <summary>True when <see cref="ClientId"/> was generated because none was configured.</summary>
    public bool ClientIdGenerated { get; init; }

    /// <summary>The CONNECT user name, or <c>null</c>.</summary>
    public string? Username { get; init; }

    /// <summary>The CONNECT password, or <c>null</c>. Never printed.</summary>
    public string? Password { get; init; }

    /// <summary>The decoded Azure device key (<c>sharedAccessKey</c>), or <c>null</c>. Never printed.</summary>
    internal byte[]? SasKey { get; init; }

    /// <summary>With <c>sharedAccessKey</c>: how long each generated SAS token is valid (<c>sasTokenTtl</c>); else <c>null</c>.</summary>
    public TimeSpan? SasTokenTtl { get; init; }

    /// <summary>With <c>sharedAccessKey</c>: the resource URI the tokens are signed for, <c>{host}/devices/{clientId}</c>; else <c>null</c>.</summary>
    public string? SasResource { get; init; }

    /// <summary>True when the sink makes its password from a device key (<c>sharedAccessKey</c>).</summary>
    public bool UsesSharedAccessKey => SasKey is not null;

    /// <summary>Absolute path of the PEM client certificate, or <c>null</c>.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>Absolute path of the PEM private key, or <c>null</c>; set exactly when <see cref="CertificatePath"/> is.</summary>
    public string? PrivateKeyPath { get; init; }

    /// <summary>The passphrase of an encrypted private key, or <c>null</c>. Never printed.</summary>
    public string? PrivateKeyPassphrase { get; init; }

    /// <summary>Absolute path of a PEM bundle of CA certificates to trust, or <c>null</c> for the system store.</summary>
    public string? RootCaPath { get; init; }

    /// <summary>The client certificate's PEM text from <c>certificationRaw</c> (decoded), when no path is set; else <c>null</c>.</summary>
    public string? CertificatePem { get; init; }

    /// <summary>The private key's PEM text from <c>privateKeyRaw</c> (decoded), when no path is set; else <c>null</c>. Never printed.</summary>
    internal string? PrivateKeyPem { get; init; }

    /// <summary>The CA bundle's PEM text from <c>rootCARaw</c> (decoded), when no path is set; else <c>null</c>.</summary>
    public string? RootCaPem { get; init; }

    /// <summary>The TLS versions allowed (<c>tlsMinVersion</c>): TLS 1.2 and 1.3 by default, or TLS 1.3 only.</summary>
    public System.Security.Authentication.SslProtocols TlsProtocols { get; init; } = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;

    /// <summary>Whether a renegotiation the server asks for is accepted (<c>renegotiationSupport</c> once or freely).</summary>
    public bool AllowRenegotiation { get; init; }

    /// <summary>The <c>alpn</c> option: ALPN protocol names to offer, or <c>null</c> for Transport's default
    /// (<see cref="Transport.Tls.AwsIotAlpn"/>: AWS IoT on port 443).</summary>
    public IReadOnlyList<string>? Alpn { get; init; }

    /// <summary>The documented limits of the cloud broker the host names (Azure IoT Hub, AWS IoT), or null.</summary>
    internal Configuration.CloudLimits? Cloud { get; init; }

    /// <summary>The largest payload the cloud broker the host names accepts (Azure IoT Hub 256 KB, AWS IoT 128 KB), or
    /// null for another broker; the sink refuses a larger payload instead of having the connection closed.</summary>
    public int? CloudMaxPayloadBytes => Cloud?.MaxPayloadBytes;

    /// <summary>Warnings about run-time options that <c>validate</c> cannot see: a keep-alive outside the cloud broker's bounds.</summary>
    public IReadOnlyList<ConfigProblem> CheckRuntime(MqttSinkRuntimeOptions runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Cloud is { } cloud && Configuration.CloudQuirks.KeepAliveProblem(cloud, Broker.Host, runtime.KeepAliveSeconds) is { } problem
            ? [new ConfigProblem(null, problem)]
            : [];
    }

    /// <summary>Accept any server certificate and host name (TLS only).</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>The PUBLISH retain flag.</summary>
    public bool Retained { get; init; }

    /// <summary>The disk cache (<c>enableCache</c>), or null when messages are kept in memory only.</summary>
    public CacheSettings? Cache { get; init; }

    /// <summary>How messages are shaped (topic pattern, templates, fields, batching, compression); null for the plain path.</summary>
    internal Shaping.MessageShaper? Shaper { get; init; }

    /// <summary>True when a shaping option is set: each input must then be one JSON value.</summary>
    public bool ShapesMessages => Shaper is not null;

    /// <summary>The settings, one per line as <c>name  value</c>, with the password and passphrase shown as
    /// <c>(set)</c> or <c>(not set)</c>.</summary>
    public string Describe()
    {
        var b = new StringBuilder();
        Line(b, "server", AlternateBrokers.Count == 0 ? Kind(Broker) : $"{Kind(Broker)}, then failover to:");
        for (int i = 0; i < AlternateBrokers.Count; i++) Line(b, $"  server[{i + 1}]", Kind(AlternateBrokers[i]));
        Line(b, "httpProxy", HttpProxy?.ToString() ?? (AnyBroker(a => a.UseWebSocket)
            ? "(not set: ws/wss use http_proxy/HTTP_PROXY or https_proxy/HTTPS_PROXY unless no_proxy/NO_PROXY matches)"
            : "(not set)"));
        if (Cloud is { } cloud)
            Line(b, "cloud limits", string.Create(CultureInfo.InvariantCulture,
                $"{cloud.Cloud}: payload at most {cloud.MaxPayloadBytes} bytes (larger ones are refused), keep-alive {(cloud.MinKeepAliveSeconds is { } min ? $"{min} to " : "at most ")}{cloud.MaxKeepAliveSeconds} s, QoS 0 and 1"));
        Line(b, "topic", Topic);
        Line(b, "protocolVersion", ProtocolVersion == MqttProtocolVersion.V311 ? "3.1.1 (MQTT, level 4)" : "3.1 (MQIsdp, level 3)");
        Line(b, "qos", ((int)Qos).ToString(CultureInfo.InvariantCulture));
        Line(b, "retained", Retained ? "true" : "false");
        Line(b, "clientId", ClientIdGenerated ? $"{ClientId} (generated)" : ClientId);
        Line(b, "username", Username ?? "(not set)");
        if (SasKey is not null && SasTokenTtl is { } ttl)
        {
            Line(b, "password", "(a SAS token made for every connection)");
            Line(b, "sharedAccessKey", "(set)");
            Line(b, "sasTokenTtl", string.Create(CultureInfo.InvariantCulture,
                $"{ttl.TotalSeconds:0} s (sr={SasResource}; reconnects {AzureSasToken.RenewalMargin(ttl).TotalSeconds:0.#} s before expiry)"));
        }
        else Line(b, "password", Mask.Secret(Password));
        if (Cache is { } c)
            Line(b, "enableCache", string.Create(CultureInfo.InvariantCulture,
                $"true ({c.Directory}; cacheSync {c.Sync.ToString().ToLowerInvariant()}, maxDiskCache {c.MaxDiskMessages}, cacheFullPolicy {c.FullPolicy})"));
        if (Cache is { AlterQueue: true } alter)
            Line(b, "resendAlterQueue", alter.ResendPriority switch
            {
                < 0 => "true (resendPriority -1: live messages first, then cached ones (an earlier run's, an outage's); acknowledged per record)",
                > 0 => "true (resendPriority 1: cached messages (an earlier run's, an outage's) first, then live ones; acknowledged per record)",
                _ => "true (resendPriority 0: cached (an earlier run's, an outage's) and live messages in turn; acknowledged per record)",
            });
        if (AnyBroker(a => a.UseTls))
        {
            if (CertificatePem is not null) Line(b, "certificationRaw", "(set: inline PEM)");
            else Line(b, "certificationPath", CertificatePath ?? "(not set)");
            if (PrivateKeyPem is not null) Line(b, "privateKeyRaw", "(set)");
            else Line(b, "privateKeyPath", PrivateKeyPath ?? "(not set)");
            Line(b, "privateKeyPassphrase", Mask.Secret(PrivateKeyPassphrase));
            if (RootCaPem is not null) Line(b, "rootCARaw", "(set: inline PEM)");
            else Line(b, "rootCaPath", RootCaPath ?? "(not set: system trust store)");
            Line(b, "tlsMinVersion", TlsProtocols == System.Security.Authentication.SslProtocols.Tls13 ? "tls1.3 (TLS 1.3 only)" : "tls1.2 (TLS 1.2 and 1.3)");
            Line(b, "renegotiationSupport", AllowRenegotiation ? "allowed (as often as the server asks)" : "never");
            Line(b, "alpn", DescribeAlpn());
            Line(b, "insecureSkipVerify", InsecureSkipVerify ? "true (server certificate NOT checked)" : "false");
        }
        if (Shaper is not null) Shaper.Describe(b, Line);
        return b.ToString();
    }

    /// <summary>The settings on one line, secrets masked.</summary>
    public override string ToString()
        => $"SinkSettings {{ Broker = {Broker}, Topic = {Topic}, Qos = {(int)Qos}, ProtocolVersion = {ProtocolVersion}, ClientId = {ClientId}, "
         + $"Username = {Username}, Password = {Mask.Secret(Password)}, SharedAccessKey = {Mask.Secret(SasKey is null ? null : "")}, CertificatePath = {CertificatePath}, PrivateKeyPath = {PrivateKeyPath}, "
         + $"PrivateKeyPassphrase = {Mask.Secret(PrivateKeyPassphrase)}, RootCaPath = {RootCaPath}, InsecureSkipVerify = {InsecureSkipVerify}, Retained = {Retained}, "
         + $"AlternateBrokers = [{string.Join(", ", AlternateBrokers)}], HttpProxy = {HttpProxy} }}";

    // Transport decides AWS IoT's default; validate shows what the first TLS address will be offered.
    private string DescribeAlpn()
    {
        if (Alpn is not null) return string.Join(", ", Alpn);
        var tls = new Transport.Tls.TlsOptions { ClientCertificatePath = CertificatePath, ClientCertificatePem = CertificatePem };
        return Transport.Tls.AwsIotAlpn.For(Broker, tls, Username) is { } alpn
            ? $"{string.Join(", ", alpn)} (AWS IoT on port 443{(Username is null ? ", client certificate" : ", user name: custom authorizer")})"
            : "(not set: none offered)";
    }

    private bool AnyBroker(Func<BrokerAddress, bool> test) => test(Broker) || AlternateBrokers.Any(test);

    private static string Kind(BrokerAddress a)
        => $"{a} ({(a.UseWebSocket ? (a.UseTls ? "WebSocket over TLS" : "WebSocket") : a.UseTls ? "TLS" : "plain TCP")})";

    private static void Line(StringBuilder b, string name, string value)
        => b.Append(name.PadRight(22)).Append(value).Append('\n');
}

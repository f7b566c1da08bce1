using System.Text;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// The options of the sink, named and typed as the eKuiper MQTT action documents them, plus <c>rootCaPath</c>
/// and <c>privateKeyPassphrase</c>. This is the unvalidated form: <see cref="MqttSinkConfig.Resolve(MqttSinkOptions)"/> checks it
/// and produces <see cref="SinkSettings"/>. <see cref="ToString"/> never shows <see cref="Password"/> or
/// <see cref="PrivateKeyPassphrase"/>.
/// </summary>
public sealed record MqttSinkOptions
{
    /// <summary>The broker, as <c>scheme://host:port</c>: <c>tcp</c>/<c>mqtt</c> (plain, default port 1883),
    /// <c>ssl</c>/<c>tls</c>/<c>mqtts</c>/<c>tcps</c> (TLS, default port 8883), <c>ws</c>/<c>wss</c> (WebSocket, default
    /// ports 80/443, default path <c>/mqtt</c>). Required; no default. When the JSON gives a list, its first entry.</summary>
    public string? Server { get; init; }

    /// <summary>The failover list when <c>server</c> is a JSON array (<see cref="Server"/> is then its first entry):
    /// the sink connects to the first that works and moves on when it fails. Default <c>null</c> (one server).</summary>
    public IReadOnlyList<string>? Servers { get; init; }

    /// <summary>An HTTP proxy every connection is tunnelled through, <c>http://[user:password@]host:port</c>. Default
    /// <c>null</c>: direct, except that <c>ws://</c>/<c>wss://</c> servers use the proxy that <c>http_proxy</c>/<c>HTTP_PROXY</c>
    /// or <c>https_proxy</c>/<c>HTTPS_PROXY</c> name (minus <c>no_proxy</c>/<c>NO_PROXY</c>). Never printed with its credentials.</summary>
    public string? HttpProxy { get; init; }

    /// <summary>The PUBLISH topic name: not empty, no <c>+</c> or <c>#</c>, no U+0000, at most 65,535 UTF-8 bytes
    /// (32,767 with MQTT 3.1). Required; no default.</summary>
    public string? Topic { get; init; }

    /// <summary>The CONNECT client identifier. Default <c>null</c> (and the empty string): a unique id of 23
    /// characters from <c>[0-9a-zA-Z]</c> is generated for each resolved configuration.</summary>
    public string? ClientId { get; init; }

    /// <summary>The protocol: <c>"3.1"</c> (or <c>"3"</c>) for MQTT 3.1, <c>"3.1.1"</c> (or <c>"4"</c>) for MQTT 3.1.1.
    /// Default <c>"3.1"</c>, as the eKuiper option table documents.</summary>
    public string ProtocolVersion { get; init; } = "3.1";

    /// <summary>The PUBLISH quality of service: 0, 1 or 2. Default 0.</summary>
    public int Qos { get; init; }

    /// <summary>The CONNECT user name. Default <c>null</c> (no user name).</summary>
    public string? Username { get; init; }

    /// <summary>The CONNECT password; needs <see cref="Username"/> (MQTT-3.1.2-22). Default <c>null</c>. Never printed.</summary>
    public string? Password { get; init; }

    /// <summary>An Azure IoT Hub device key (base64, as the portal shows it). The sink then makes the password itself: a
    /// SAS token for <c>{host of server}/devices/{clientId}</c>, new for every connection, and reconnects before it expires.
    /// Needs <see cref="Username"/> and <see cref="ClientId"/>; not with <see cref="Password"/>. Default <c>null</c>. Never printed.</summary>
    public string? SharedAccessKey { get; init; }

    /// <summary>With <see cref="SharedAccessKey"/>: how long each SAS token is valid, in seconds (at least 10). Default
    /// <c>null</c>: 3600.</summary>
    public int? SasTokenTtl { get; init; }

    /// <summary>Path of the PEM client certificate (a chain is allowed), relative to the process working directory.
    /// Default <c>null</c> (no client certificate). Needs <see cref="PrivateKeyPath"/>.</summary>
    public string? CertificationPath { get; init; }

    /// <summary>Path of the PEM private key of the client certificate, relative to the process working directory.
    /// Default <c>null</c>. Needs <see cref="CertificationPath"/>.</summary>
    public string? PrivateKeyPath { get; init; }

    /// <summary>Path of a PEM bundle of CA certificates to trust for the server certificate, relative to the process
    /// working directory. Default <c>null</c>: the system trust store.</summary>
    public string? RootCaPath { get; init; }

    /// <summary>The client certificate as base64 of its PEM text (eKuiper's <c>certificationRaw</c>); <see cref="CertificationPath"/>
    /// wins when both are set (with a warning). Default <c>null</c>.</summary>
    public string? CertificationRaw { get; init; }

    /// <summary>The private key as base64 of its PEM text; <see cref="PrivateKeyPath"/> wins when both are set. Default
    /// <c>null</c>. Never printed.</summary>
    public string? PrivateKeyRaw { get; init; }

    /// <summary>The CA bundle as base64 of its PEM text (JSON <c>rootCARaw</c>); <see cref="RootCaPath"/> wins when both are
    /// set. Default <c>null</c>.</summary>
    public string? RootCaRaw { get; init; }

    /// <summary>The lowest TLS version: <c>tls1.2</c> (TLS 1.2 and 1.3) or <c>tls1.3</c> (TLS 1.3 only). Default <c>null</c>: <c>tls1.2</c>.</summary>
    public string? TlsMinVersion { get; init; }

    /// <summary>Renegotiation the server may ask for: <c>never</c>, <c>once</c> or <c>freely</c> (SslStream allows or refuses
    /// it; <c>once</c> is allowed without a count limit, with a warning). Default <c>null</c>: <c>never</c>.</summary>
    public string? RenegotiationSupport { get; init; }

    /// <summary>ALPN protocol names to offer in the TLS handshake, in order. Default <c>null</c>: none, except that AWS IoT
    /// on port 443 gets <c>mqtt</c> with a user name, else <c>x-amzn-mqtt-ca</c> with a client certificate.</summary>
    public IReadOnlyList<string>? Alpn { get; init; }

    /// <summary>The passphrase of an encrypted private key. Default <c>null</c>. Never printed.</summary>
    public string? PrivateKeyPassphrase { get; init; }

    /// <summary>TLS only: accept any server certificate and host name. Default <c>false</c>. An error on a plain server.</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>The PUBLISH retain flag. Default <c>false</c>.</summary>
    public bool Retained { get; init; }

    /// <summary>Keep every accepted message in a durable disk cache until the broker acknowledged it (store and
    /// forward across outages and process restarts). Default <c>false</c>. See docs/configuration.md.</summary>
    public bool EnableCache { get; init; }

    /// <summary>The cache directory. Default <c>null</c>: <c>zdmqtt-cache/&lt;clientId or "default"&gt;</c> under the working directory.</summary>
    public string? CachePath { get; init; }

    /// <summary>Cached messages read back into memory and in flight to the broker at once. Default 1024.</summary>
    public int MemoryCacheThreshold { get; init; } = 1024;

    /// <summary>The most messages in the disk cache; then <see cref="CacheFullPolicy"/> applies. Default 1,024,000.</summary>
    public int MaxDiskCache { get; init; } = 1_024_000;

    /// <summary>eKuiper's page size; accepted for compatibility and ignored (there are no pages). Default 256.</summary>
    public int BufferPageSize { get; init; } = 256;

    /// <summary>Milliseconds to pause before each cached (re-sent) message: left by a previous run, or accepted while the connection was lost. Default 0.</summary>
    public int ResendInterval { get; init; }

    /// <summary>Delete the cache files when the sink stops with nothing pending. Default <c>false</c>.</summary>
    public bool CleanCacheAtStop { get; init; }

    /// <summary>With <see cref="ResendAlterQueue"/>: -1 live messages first, 0 in turn, 1 cached messages first; without it 0 or 1 (strict order). Default 0.</summary>
    public int ResendPriority { get; init; }

    /// <summary>eKuiper's separate resend queue: cached messages (left by a previous run, or accepted while the connection was lost) beside the live ones, in the order <see cref="ResendPriority"/> gives; not with QoS 2. Default <c>false</c>.</summary>
    public bool ResendAlterQueue { get; init; }

    /// <summary>The topic for cached (re-sent) messages: left by a previous run, or accepted while the connection was lost. Default <c>null</c>: the topic.</summary>
    public string? ResendDestination { get; init; }

    /// <summary>eKuiper's resend marker: a boolean field set to true in JSON-object payloads re-sent from the cache (left by an earlier run, or accepted while the connection was lost). Default <c>null</c>.</summary>
    public string? ResendIndicatorField { get; init; }

    /// <summary><c>always</c> (fsync before accepting), <c>interval</c> (fsync every <see cref="CacheSyncIntervalMs"/>)
    /// or <c>none</c> (written, never fsync'ed). Default <c>always</c>.</summary>
    public string CacheSync { get; init; } = "always";

    /// <summary>With <c>cacheSync: interval</c>, milliseconds between fsyncs. Default 1000.</summary>
    public int CacheSyncIntervalMs { get; init; } = 1000;

    /// <summary><c>block</c>, <c>dropNewest</c> or <c>fail</c>: what a publish does when the cache is full. Default <c>block</c>.</summary>
    public string CacheFullPolicy { get; init; } = "block";

    /// <summary>A JSON array input is one message (false, the default) or one message per element (true).</summary>
    public bool SendSingle { get; init; }

    /// <summary>Keep only these top-level fields of each object, in this order. Default <c>null</c> (all).</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>Drop these top-level fields of each object. Default <c>null</c>. Not together with <see cref="Fields"/>.</summary>
    public IReadOnlyList<string>? ExcludeFields { get; init; }

    /// <summary>Publish only the value of this field of the (templated) message. Default <c>null</c>.</summary>
    public string? DataField { get; init; }

    /// <summary>A Go-template subset that produces the payload; parsed at load time. Default <c>null</c>.</summary>
    public string? DataTemplate { get; init; }

    /// <summary>The encoding: <c>"json"</c> (default) or <c>"delimited"</c>.</summary>
    public string? Format { get; init; }

    /// <summary>The separator of <c>"delimited"</c> values. Default <c>","</c>.</summary>
    public string? Delimiter { get; init; }

    /// <summary><c>"delimited"</c> only: start each payload with a line of column names. Default <c>false</c>.</summary>
    public bool HasHeader { get; init; }

    /// <summary>Do not publish empty results (<c>{}</c>, <c>[]</c>, <c>null</c>, empty template output). Default <c>false</c>.</summary>
    public bool OmitIfEmpty { get; init; }

    /// <summary>Gather up to this many results into one JSON array message. Default 0 (no batching).</summary>
    public int BatchSize { get; init; }

    /// <summary>Send a gathered batch after this many milliseconds even when not full. Default 0 (no time limit).</summary>
    public int LingerInterval { get; init; }

    /// <summary>Compress each payload: <c>"zlib"</c>, <c>"gzip"</c> or <c>"flate"</c>. Default <c>null</c> (none).</summary>
    public string? Compression { get; init; }

    /// <summary>The options with <see cref="Password"/>, <see cref="SharedAccessKey"/> and <see cref="PrivateKeyPassphrase"/> masked.</summary>
    public override string ToString()
    {
        var b = new StringBuilder("MqttSinkOptions { ");
        b.Append("Server = ").Append(Servers is null ? Mask.Server(Server) : "[" + string.Join(", ", Servers.Select(Mask.Server)) + "]").Append(", Topic = ").Append(Topic).Append(", ClientId = ").Append(ClientId)
         .Append(", ProtocolVersion = ").Append(ProtocolVersion).Append(", Qos = ").Append(Qos)
         .Append(", Username = ").Append(Username).Append(", Password = ").Append(Mask.Secret(Password))
         .Append(", CertificationPath = ").Append(CertificationPath).Append(", PrivateKeyPath = ").Append(PrivateKeyPath)
         .Append(", RootCaPath = ").Append(RootCaPath).Append(", PrivateKeyPassphrase = ").Append(Mask.Secret(PrivateKeyPassphrase))
         .Append(", InsecureSkipVerify = ").Append(InsecureSkipVerify).Append(", Retained = ").Append(Retained);
        if (CertificationRaw is not null) b.Append(", CertificationRaw = (set)");
        if (PrivateKeyRaw is not null) b.Append(", PrivateKeyRaw = ").Append(Mask.Secret(PrivateKeyRaw));
        if (RootCaRaw is not null) b.Append(", RootCaRaw = (set)");
        if (Alpn is not null) b.Append(", Alpn = [").AppendJoin(", ", Alpn).Append(']');
        if (TlsMinVersion is not null) b.Append(", TlsMinVersion = ").Append(TlsMinVersion);
        if (RenegotiationSupport is not null) b.Append(", RenegotiationSupport = ").Append(RenegotiationSupport);
        if (SharedAccessKey is not null) b.Append(", SharedAccessKey = ").Append(Mask.Secret(SharedAccessKey));
        if (SasTokenTtl is { } ttl) b.Append(", SasTokenTtl = ").Append(ttl);
        if (SendSingle) b.Append(", SendSingle = True");
        if (Fields is not null) b.Append(", Fields = [").AppendJoin(", ", Fields).Append(']');
        if (ExcludeFields is not null) b.Append(", ExcludeFields = [").AppendJoin(", ", ExcludeFields).Append(']');
        if (DataField is not null) b.Append(", DataField = ").Append(DataField);
        if (DataTemplate is not null) b.Append(", DataTemplate = ").Append(DataTemplate);
        if (Format is not null) b.Append(", Format = ").Append(Format);
        if (Delimiter is not null) b.Append(", Delimiter = ").Append(Delimiter);
        if (HasHeader) b.Append(", HasHeader = True");
        if (OmitIfEmpty) b.Append(", OmitIfEmpty = True");
        if (BatchSize != 0) b.Append(", BatchSize = ").Append(BatchSize);
        if (LingerInterval != 0) b.Append(", LingerInterval = ").Append(LingerInterval);
        if (Compression is not null) b.Append(", Compression = ").Append(Compression);
        b.Append(", EnableCache = ").Append(EnableCache).Append(", CachePath = ").Append(CachePath).Append(", CacheSync = ").Append(CacheSync)
         .Append(", CacheFullPolicy = ").Append(CacheFullPolicy).Append(", HttpProxy = ").Append(Mask.Server(HttpProxy)).Append(" }");
        return b.ToString();
    }
}

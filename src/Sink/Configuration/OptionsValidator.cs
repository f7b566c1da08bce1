using System.Globalization;
using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;
using N = ZeroDepMqtt.Sink.Configuration.OptionNames;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>
/// Checks the meaning of <see cref="MqttSinkOptions"/> and resolves them into <see cref="SinkSettings"/>.
/// Every check runs; an option already reported (for example with the wrong JSON type) is not reported again.
/// </summary>
internal static class OptionsValidator
{
    /// <summary>MQTT 3.1's topic cap; Protocol owns it.</summary>
    public const int MaxTopicBytesV310 = MqttV310Limits.MaxTopicBytes;

    /// <summary>MQTT 3.1: a client identifier has 1 to this many characters; Protocol owns it.</summary>
    public const int MaxClientIdV310 = MqttV310Limits.MaxClientIdLength;

    public static SinkSettings? Resolve(MqttSinkOptions o, ConfigContext context, ProblemList p)
    {
        var version = Version(o.ProtocolVersion, p);
        var broker = Server(o.Server, p);
        var alternates = AlternateServers(o.Servers, p);
        var proxy = Proxy(o.HttpProxy, p);
        string? topic = Topic(o.Topic, version, p);
        var qos = Qos(o.Qos, p);
        var (clientId, generated) = ClientId(o.ClientId, version, p);
        Credentials(o.Username, o.Password, p);
        var sas = SasChecks.Run(o, broker, generated, p);
        // TLS options apply when any address of the list uses TLS; checked against the first such address.
        var tls = TlsChecks.Run(o, alternates?.FirstOrDefault(a => a.UseTls) is { } tlsAlternate && broker is { UseTls: false } ? tlsAlternate : broker, context, p);
        var cache = Cache.CacheChecks.Run(o, generated ? null : clientId, context, p);
        if (cache is not null && generated) clientId = Cache.CacheChecks.StoredClientId(cache.Directory, p) ?? clientId;
        Warnings(o, broker, qos, context, p);
        var shaper = ShapingValidator.Resolve(o, topic, version, p);
        // The cache stores payloads for the one configured topic; shaped messages (own topics, batches) are not cached yet.
        if (o.EnableCache && shaper is not null)
            p.Error(OptionNames.EnableCache, "cannot be combined with the message shaping options (dynamic topic, fields, dataTemplate, batchSize, ...) in this version; use one or the other");

        if (p.Errors.Count > 0 || (o.EnableCache && cache is null) || broker is null || topic is null || clientId is null || version is null || qos is null || tls is null || alternates is null) return null;
        return new SinkSettings
        {
            Broker = broker,
            AlternateBrokers = alternates,
            HttpProxy = proxy,
            Topic = topic,
            Qos = qos.Value,
            ProtocolVersion = version.Value,
            ClientId = clientId,
            ClientIdGenerated = generated,
            Username = o.Username,
            Password = o.Password,
            SasKey = sas?.Key,
            SasTokenTtl = sas?.Ttl,
            SasResource = sas?.Resource,
            CertificatePath = tls.CertificatePath,
            PrivateKeyPath = tls.PrivateKeyPath,
            PrivateKeyPassphrase = tls.PrivateKeyPath is null && tls.PrivateKeyPem is null ? null : o.PrivateKeyPassphrase,
            RootCaPath = tls.RootCaPath,
            CertificatePem = tls.CertificatePem,
            PrivateKeyPem = tls.PrivateKeyPem,
            RootCaPem = tls.RootCaPem,
            TlsProtocols = tls.Protocols,
            AllowRenegotiation = tls.AllowRenegotiation,
            Alpn = tls.Alpn,
            Cloud = CloudQuirks.LimitsOf(broker.Host),
            InsecureSkipVerify = o.InsecureSkipVerify,
            Retained = o.Retained,
            Cache = cache,
            Shaper = shaper,
        };
    }

    private static MqttProtocolVersion? Version(string? text, ProblemList p)
    {
        if (p.HasError(N.ProtocolVersion)) return null;
        switch (text?.Trim())
        {
            case null or "" or "3.1" or "3": return MqttProtocolVersion.V310;
            case "3.1.1" or "4": return MqttProtocolVersion.V311;
            case "5" or "5.0":
                p.Error(N.ProtocolVersion, $"{JsonText.Quote(text)} is MQTT 5, which is not supported; expected \"3.1\" (or \"3\") or \"3.1.1\" (or \"4\")");
                return null;
            default:
                p.Error(N.ProtocolVersion, $"{JsonText.Quote(text)} is not a supported version; expected \"3.1\" (or \"3\") or \"3.1.1\" (or \"4\")");
                return null;
        }
    }

    private static BrokerAddress? Server(string? text, ProblemList p)
    {
        if (p.HasError(N.Server)) return null;
        if (string.IsNullOrEmpty(text)) { p.Error(N.Server, "is missing; this option is required, e.g. \"tcp://127.0.0.1:1883\" or \"ssl://host:8883\""); return null; }
        // Checked before parsing so that the message never repeats text that may hold a password.
        if (text.Contains('@')) { p.Error(N.Server, "contains '@': credentials in the address are not supported; use the username and password options"); return null; }
        if (!BrokerAddress.TryParse(text, out var address, out var error)) { p.Error(N.Server, error); return null; }
        if (HostProblem(text, address.Host) is { } problem) { p.Error(N.Server, problem); return null; }
        return address;
    }

    // The address parser splits scheme, host and port; what the host may hold is checked here, before any
    // connection, so that validate rejects what publish could never resolve.
    private static string? HostProblem(string text, string host)
    {
        int open = text.IndexOf('[');
        if (open >= 0)
        {
            int close = text.IndexOf(']', open);
            string inner = close > open ? text[(open + 1)..close] : text[(open + 1)..];
            bool v6 = System.Net.IPAddress.TryParse(inner, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            return v6 ? null : $"\"[{inner}]\" in \"{text}\" is not an IPv6 address (brackets are for IPv6 only)";
        }
        foreach (char c in host)
            if (char.IsWhiteSpace(c) || char.IsControl(c) || "?#/\\[]%<>\"{}|^`,;=".Contains(c))
                return $"host \"{host}\" in \"{text}\" is not a valid host name or IP address: '{c}' cannot be part of a host name";
        return null;
    }

    // Entries after the first (the first is Server); each is checked like Server and named by its index.
    private static IReadOnlyList<BrokerAddress>? AlternateServers(IReadOnlyList<string>? texts, ProblemList p)
    {
        if (texts is null || texts.Count < 2) return [];
        var list = new List<BrokerAddress>();
        bool ok = true;
        for (int i = 1; i < texts.Count; i++)
        {
            string text = texts[i];
            if (text.Contains('@')) { p.Error(N.Server, $"entry {i} contains '@': credentials in the address are not supported; use the username and password options"); ok = false; continue; }
            if (BrokerAddress.TryParse(text, out var address, out var error)) list.Add(address);
            else { p.Error(N.Server, $"entry {i}: {error}"); ok = false; }
        }
        return ok ? list : null;
    }

    private static Transport.Connections.HttpProxy? Proxy(string? text, ProblemList p)
    {
        if (text is null || p.HasError(N.HttpProxy)) return null;
        if (Transport.Connections.HttpProxy.TryParse(text, out var proxy, out var error)) return proxy;
        p.Error(N.HttpProxy, error);
        return null;
    }

    private static string? Topic(string? topic, MqttProtocolVersion? version, ProblemList p)
    {
        if (p.HasError(N.Topic)) return null;
        if (topic is null) { p.Error(N.Topic, "is missing; this option is required, e.g. \"devices/result\""); return null; }
        int bytes;
        try
        {
            bytes = TopicName.Create(topic).Utf8.Length;
        }
        catch (ArgumentException e)
        {
            p.Error(N.Topic, WithoutParameter(e));
            return null;
        }
        if (version == MqttProtocolVersion.V310 && bytes > MaxTopicBytesV310)
        {
            p.Error(N.Topic, $"is {bytes} UTF-8 bytes; with protocolVersion \"3.1\" at most {MaxTopicBytesV310} are safe (MQTT 3.1 caps topic names); set protocolVersion to \"3.1.1\" for up to 65535");
            return null;
        }
        return topic;
    }

    private static QualityOfService? Qos(int qos, ProblemList p)
    {
        if (p.HasError(N.Qos)) return null;
        if (qos is >= 0 and <= 2) return (QualityOfService)qos;
        p.Error(N.Qos, $"{qos.ToString(CultureInfo.InvariantCulture)} is out of range; expected the integer 0, 1 or 2");
        return null;
    }

    private static (string? Id, bool Generated) ClientId(string? id, MqttProtocolVersion? version, ProblemList p)
    {
        if (p.HasError(N.ClientId)) return (null, false);
        // eKuiper generates an id for an empty one too; an empty id would also need a clean session (MQTT-3.1.3-8).
        if (string.IsNullOrEmpty(id)) return (ClientIdGenerator.Create(), true);
        int bytes;
        try
        {
            bytes = MqttUtf8.GetByteCount(id, N.ClientId);
        }
        catch (ArgumentException e)
        {
            p.Error(N.ClientId, WithoutParameter(e));
            return (null, false);
        }
        if (version == MqttProtocolVersion.V310 && bytes > MaxClientIdV310)
        {
            p.Error(N.ClientId, $"{JsonText.Quote(id)} is {bytes} bytes; protocolVersion \"3.1\" (the default) allows 1 to {MaxClientIdV310}: shorten it or set protocolVersion to \"3.1.1\"");
            return (null, false);
        }
        return (id, false);
    }

    private static void Credentials(string? username, string? password, ProblemList p)
    {
        if (username is not null && !p.HasError(N.Username))
        {
            try { MqttUtf8.GetByteCount(username, N.Username); }
            catch (ArgumentException e) { p.Error(N.Username, WithoutParameter(e)); }
        }
        if (password is null || p.HasError(N.Password)) return;
        if (username is null && !p.HasError(N.Username))
            p.Error(N.Password, "is set without username; MQTT sends a password only with a user name (MQTT-3.1.2-22; MQTT 3.1 has the same rule): set username too");
        // MQTT 3.1.1 sends the password as binary data with a two-byte length; never quote it.
        if (Encoding.UTF8.GetByteCount(password) > MqttUtf8.MaxLength)
            p.Error(N.Password, $"is longer than {MqttUtf8.MaxLength} bytes, the most a CONNECT field holds");
    }

    private static void Warnings(MqttSinkOptions o, BrokerAddress? broker, QualityOfService? qos, ConfigContext context, ProblemList p)
    {
        if (broker is not null && qos == QualityOfService.ExactlyOnce && CloudQuirks.CloudWithoutQos2(broker.Host) is { } qos2Cloud)
            p.Warn(N.Qos, $"is 2, but {qos2Cloud} ({broker.Host}) does not support QoS 2: publishes would be refused or never acknowledged; use 1");
        if (broker is not null && CloudQuirks.LimitsOf(broker.Host) is { } cloud
            && CloudQuirks.KeepAliveProblem(cloud, broker.Host, context.KeepAliveSeconds) is { } keepAlive)
            p.Warn(null, keepAlive);
        if (o.Password is not null && !p.HasError(N.Password) && CloudQuirks.SasExpiry(o.Password) is { } expiry)
        {
            var now = context.Time.GetUtcNow();
            string when = expiry.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
            if (expiry <= now)
                p.Warn(N.Password, $"is an Azure SAS token that expired at {when} (its se= field); the broker will refuse it: generate a new token");
            else if (expiry - now <= CloudQuirks.SasExpiryMargin)
                p.Warn(N.Password, $"is an Azure SAS token that expires at {when} (its se= field), within the hour; reconnects after that will be refused");
        }
    }

    // ArgumentException appends " (Parameter 'x')"; the problem already names the option.
    internal static string WithoutParameter(ArgumentException e)
    {
        string message = e.Message;
        int cut = e.ParamName is null ? -1 : message.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).TrimEnd('.');
    }
}

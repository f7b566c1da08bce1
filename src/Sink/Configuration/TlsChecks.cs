using System.Security.Authentication;
using ZeroDepMqtt.Transport;
using N = ZeroDepMqtt.Sink.Configuration.OptionNames;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>The TLS options: files exist and are PEM of the right kind, come in pairs, and are only set for a TLS server
/// (eKuiper silently ignores TLS options on tcp://; a user who set them expects TLS, so it is an error here).</summary>
internal static class TlsChecks
{
    /// <summary>The absolute paths of the TLS files, the decoded inline PEM texts (<c>...Raw</c>, used where no path is
    /// set), the TLS versions and whether renegotiation is allowed; null when there was an error.</summary>
    public sealed record Files(string? CertificatePath, string? PrivateKeyPath, string? RootCaPath)
    {
        public string? CertificatePem { get; init; }
        public string? PrivateKeyPem { get; init; }
        public string? RootCaPem { get; init; }
        public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;
        public bool AllowRenegotiation { get; init; }
        public IReadOnlyList<string>? Alpn { get; init; }
    }

    public static Files? Run(MqttSinkOptions o, BrokerAddress? broker, ConfigContext context, ProblemList p)
    {
        int errorsBefore = p.Errors.Count;
        string? cert = Given(o.CertificationPath), key = Given(o.PrivateKeyPath), ca = Given(o.RootCaPath);
        // eKuiper: the path wins over the inline value when both are given.
        string? certRaw = Inline(N.CertificationRaw, o.CertificationRaw, N.CertificationPath, cert, p);
        string? keyRaw = Inline(N.PrivateKeyRaw, o.PrivateKeyRaw, N.PrivateKeyPath, key, p);
        string? caRaw = Inline(N.RootCaRaw, o.RootCaRaw, N.RootCaPath, ca, p);
        bool plain = broker is { UseTls: false };
        if (plain)
        {
            string server = broker!.ToString();
            if (o.InsecureSkipVerify) p.Error(N.InsecureSkipVerify, $"is true but server {server} is plain TCP; it applies to TLS servers only (ssl://, tls://, mqtts://, tcps://)");
            foreach (var (name, value) in new[] { (N.CertificationPath, cert), (N.PrivateKeyPath, key), (N.RootCaPath, ca), (N.CertificationRaw, certRaw), (N.PrivateKeyRaw, keyRaw), (N.RootCaRaw, caRaw), (N.TlsMinVersion, o.TlsMinVersion), (N.RenegotiationSupport, o.RenegotiationSupport), (N.Alpn, o.Alpn is null ? null : "") })
                if (value is not null) p.Error(name, $"is set but server {server} is plain TCP, so no TLS would be used; use an ssl:// server or remove {name}");
        }
        var protocols = MinVersion(o.TlsMinVersion, p);
        bool? renegotiation = Renegotiation(o.RenegotiationSupport, p);
        AlpnChecks(o.Alpn, p);

        bool hasCert = cert is not null || certRaw is not null, hasKey = key is not null || keyRaw is not null;
        if (hasCert && !hasKey && !p.HasError(N.PrivateKeyPath))
            p.Error(N.PrivateKeyPath, cert is not null
                ? "is missing; certificationPath is set and a client certificate needs its private key"
                : "is missing (or privateKeyRaw); certificationRaw is set and a client certificate needs its private key");
        if (hasKey && !hasCert && !p.HasError(N.CertificationPath))
            p.Error(N.CertificationPath, key is not null
                ? "is missing; privateKeyPath is set and a private key needs its client certificate"
                : "is missing (or certificationRaw); privateKeyRaw is set and a private key needs its client certificate");
        if (o.PrivateKeyPassphrase is not null && !hasKey && !p.HasError(N.PrivateKeyPassphrase))
            p.Error(N.PrivateKeyPassphrase, "is set without privateKeyPath; it only decrypts a private key");

        PemFileCheck.Checked? certFile = null, keyFile = null, caFile = null;
        if (cert is not null && !p.HasError(N.CertificationPath)) certFile = PemFileCheck.Check(N.CertificationPath, cert, PemKind.ClientCertificate, context, p);
        if (key is not null && !p.HasError(N.PrivateKeyPath)) keyFile = PemFileCheck.Check(N.PrivateKeyPath, key, PemKind.PrivateKey, context, p);
        if (ca is not null && !p.HasError(N.RootCaPath)) caFile = PemFileCheck.Check(N.RootCaPath, ca, PemKind.CaBundle, context, p);
        var certText = Decode(N.CertificationRaw, certRaw, PemKind.ClientCertificate, p, out _);
        var keyText = Decode(N.PrivateKeyRaw, keyRaw, PemKind.PrivateKey, p, out bool keyRawEncrypted);
        var caText = Decode(N.RootCaRaw, caRaw, PemKind.CaBundle, p, out _);

        if (keyFile is { } k && !OperatingSystem.IsWindows() && ReadableByOthers(k.FullPath) is { } mode)
            p.Warn(N.PrivateKeyPath, $"\"{key}\" can be read by other users (mode {mode}); restrict it with chmod 600, as ssh requires for its keys");
        if (keyFile is not null || keyText is not null)
        {
            bool encrypted = keyFile?.Encrypted ?? keyRawEncrypted;
            string keyOption = keyFile is not null ? N.PrivateKeyPath : N.PrivateKeyRaw;
            if (encrypted && string.IsNullOrEmpty(o.PrivateKeyPassphrase))
                p.Error(keyOption, keyFile is not null ? $"\"{key}\" is encrypted; set privateKeyPassphrase" : "is an encrypted key; set privateKeyPassphrase");
            else if (!encrypted && o.PrivateKeyPassphrase is not null)
                p.Warn(N.PrivateKeyPassphrase, "is set but the private key is not encrypted; it is ignored");
        }
        if (o.InsecureSkipVerify && (ca is not null || caRaw is not null) && !plain)
            p.Warn(ca is not null ? N.RootCaPath : N.RootCaRaw, "is ignored because insecureSkipVerify is true (no server certificate is checked)");

        bool certReady = certFile is not null || certText is not null, keyReady = keyFile is not null || keyText is not null;
        if (certReady && keyReady && p.Errors.Count == errorsBefore)
        {
            var pair = new Transport.Tls.TlsOptions
            {
                ClientCertificatePath = certFile?.FullPath, ClientCertificatePem = certFile is null ? certText : null,
                PrivateKeyPath = keyFile?.FullPath, PrivateKeyPem = keyFile is null ? keyText : null,
                PrivateKeyPassphrase = o.PrivateKeyPassphrase,
            };
            CertificateKeyMatch(pair, cert is not null ? $"\"{cert}\"" : "the certificationRaw certificate", cert is not null ? N.CertificationPath : N.CertificationRaw,
                key is not null ? N.PrivateKeyPath : N.PrivateKeyRaw, context.Time, p);
        }

        if (p.Errors.Count > errorsBefore || protocols is null || renegotiation is null) return null;
        return new Files(certFile?.FullPath, keyFile?.FullPath, caFile?.FullPath)
        {
            CertificatePem = certFile is null ? certText : null,
            PrivateKeyPem = keyFile is null ? keyText : null,
            RootCaPem = caFile is null ? caText : null,
            Protocols = protocols.Value,
            AllowRenegotiation = renegotiation.Value,
            Alpn = o.Alpn,
        };
    }

    // An inline value, or null when absent or when its path is given too (then it is ignored with a warning).
    private static string? Inline(string option, string? value, string pathOption, string? path, ProblemList p)
    {
        if (string.IsNullOrEmpty(value) || p.HasError(option)) return null;
        if (path is null) return value;
        p.Warn(option, $"is ignored because {pathOption} is set (the path wins when both are given, as in eKuiper)");
        return null;
    }

    // Base64 of PEM text, as eKuiper takes it; the decoded text is checked like a file's, never quoted.
    private static string? Decode(string option, string? value, PemKind kind, ProblemList p, out bool encrypted)
    {
        encrypted = false;
        if (value is null || p.HasError(option)) return null;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            p.Error(option, "is not valid base64; expected the PEM text encoded as base64 (for example the output of base64 -w0 FILE.pem)");
            return null;
        }
        if (PemFileCheck.CheckContent(option, "the decoded value", "", bytes, kind, p) is not { } checkedPem) return null;
        encrypted = checkedPem.Encrypted;
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    // RFC 7301: each protocol name is 1 to 255 bytes; an empty list would send an empty extension.
    private static void AlpnChecks(IReadOnlyList<string>? alpn, ProblemList p)
    {
        if (alpn is null || p.HasError(N.Alpn)) return;
        if (alpn.Count == 0) { p.Error(N.Alpn, "is an empty list; give at least one protocol name, e.g. [\"x-amzn-mqtt-ca\"], or remove it"); return; }
        for (int i = 0; i < alpn.Count; i++)
        {
            int bytes = System.Text.Encoding.UTF8.GetByteCount(alpn[i]);
            if (bytes is 0 or > 255) p.Error(N.Alpn, $"entry {i} is {bytes} bytes; an ALPN protocol name has 1 to 255 bytes (RFC 7301)");
        }
    }

    private static SslProtocols? MinVersion(string? text, ProblemList p)
    {
        if (p.HasError(N.TlsMinVersion)) return null;
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "tls1.2": return SslProtocols.Tls12 | SslProtocols.Tls13;
            case "tls1.3": return SslProtocols.Tls13;
            case "tls1.0" or "tls1.1":
                p.Error(N.TlsMinVersion, $"{JsonText.Quote(text)} is not supported: TLS 1.0 and 1.1 are obsolete (RFC 8996) and off in current OpenSSL; expected \"tls1.2\" or \"tls1.3\"");
                return null;
            default:
                p.Error(N.TlsMinVersion, $"{JsonText.Quote(text)} is not a TLS version this sink knows; expected \"tls1.2\" (the default) or \"tls1.3\"");
                return null;
        }
    }

    private static bool? Renegotiation(string? text, ProblemList p)
    {
        if (p.HasError(N.RenegotiationSupport)) return null;
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "never": return false;
            case "freely": return true;
            case "once":
                p.Warn(N.RenegotiationSupport, "is \"once\", but .NET's SslStream cannot count renegotiations: they are allowed as often as the server asks (as with \"freely\"); TLS 1.3 has no renegotiation at all");
                return true;
            default:
                p.Error(N.RenegotiationSupport, $"{JsonText.Quote(text)} is not supported; expected \"never\" (the default), \"once\" or \"freely\"");
                return null;
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string? ReadableByOthers(string path)
    {
        try
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            return (mode & others) == 0 ? null : Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // eKuiper treats "" as "not set" for file options.
    private static string? Given(string? path) => string.IsNullOrEmpty(path) ? null : path;

    /// <summary>
    /// Loads the pair the way the connection will, so a key that does not match its certificate, a wrong passphrase
    /// or an unsupported key type is a config error before any connection. Transport's messages name the files (or
    /// "inline certificate"/"inline private key"), never key material or the passphrase.
    /// </summary>
    private static void CertificateKeyMatch(Transport.Tls.TlsOptions pair, string given, string certOption, string keyOption, TimeProvider time, ProblemList p)
    {
        try
        {
            using var loaded = Transport.Tls.PemClientCertificate.Load(pair);
            // A broker refuses a client certificate outside its validity period, with nothing better than a failed handshake.
            var now = time.GetUtcNow().UtcDateTime;
            var certificate = loaded.Certificate;
            if (certificate.NotAfter.ToUniversalTime() < now)
                p.Error(certOption, $"{given} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; the broker would refuse it");
            else if (certificate.NotBefore.ToUniversalTime() > now)
                p.Error(certOption, $"{given} is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; the broker would refuse it (is the clock right?)");
        }
        catch (Transport.Tls.TlsConfigurationException e)
        {
            p.Error(keyOption, $"does not load with {certOption}: {e.Message}");
        }
    }
}

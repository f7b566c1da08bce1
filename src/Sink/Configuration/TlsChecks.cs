using ZeroDepMqtt.Transport;
using N = ZeroDepMqtt.Sink.Configuration.OptionNames;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>The TLS options: files exist and are PEM of the right kind, come in pairs, and are only set for a TLS server
/// (eKuiper silently ignores TLS options on tcp://; a user who set them expects TLS, so it is an error here).</summary>
internal static class TlsChecks
{
    /// <summary>The absolute paths of the TLS files, or null when there was an error.</summary>
    public sealed record Files(string? CertificatePath, string? PrivateKeyPath, string? RootCaPath);

    public static Files? Run(MqttSinkOptions o, BrokerAddress? broker, ConfigContext context, ProblemList p)
    {
        int errorsBefore = p.Errors.Count;
        string? cert = Given(o.CertificationPath), key = Given(o.PrivateKeyPath), ca = Given(o.RootCaPath);
        bool plain = broker is { UseTls: false };
        if (plain)
        {
            string server = broker!.ToString();
            if (o.InsecureSkipVerify) p.Error(N.InsecureSkipVerify, $"is true but server {server} is plain TCP; it applies to TLS servers only (ssl://, tls://, mqtts://, tcps://)");
            foreach (var (name, value) in new[] { (N.CertificationPath, cert), (N.PrivateKeyPath, key), (N.RootCaPath, ca) })
                if (value is not null) p.Error(name, $"is set but server {server} is plain TCP, so no TLS would be used; use an ssl:// server or remove {name}");
        }

        if (cert is not null && key is null && !p.HasError(N.PrivateKeyPath))
            p.Error(N.PrivateKeyPath, "is missing; certificationPath is set and a client certificate needs its private key");
        if (key is not null && cert is null && !p.HasError(N.CertificationPath))
            p.Error(N.CertificationPath, "is missing; privateKeyPath is set and a private key needs its client certificate");
        if (o.PrivateKeyPassphrase is not null && key is null && !p.HasError(N.PrivateKeyPassphrase))
            p.Error(N.PrivateKeyPassphrase, "is set without privateKeyPath; it only decrypts a private key");

        PemFileCheck.Checked? certFile = null, keyFile = null, caFile = null;
        if (cert is not null && !p.HasError(N.CertificationPath)) certFile = PemFileCheck.Check(N.CertificationPath, cert, PemKind.ClientCertificate, context, p);
        if (key is not null && !p.HasError(N.PrivateKeyPath)) keyFile = PemFileCheck.Check(N.PrivateKeyPath, key, PemKind.PrivateKey, context, p);
        if (ca is not null && !p.HasError(N.RootCaPath)) caFile = PemFileCheck.Check(N.RootCaPath, ca, PemKind.CaBundle, context, p);

        if (keyFile is { } k)
        {
            if (!OperatingSystem.IsWindows() && ReadableByOthers(k.FullPath) is { } mode)
                p.Warn(N.PrivateKeyPath, $"\"{key}\" can be read by other users (mode {mode}); restrict it with chmod 600, as ssh requires for its keys");
            if (k.Encrypted && string.IsNullOrEmpty(o.PrivateKeyPassphrase))
                p.Error(N.PrivateKeyPath, $"\"{key}\" is encrypted; set privateKeyPassphrase");
            else if (!k.Encrypted && o.PrivateKeyPassphrase is not null)
                p.Warn(N.PrivateKeyPassphrase, "is set but the private key is not encrypted; it is ignored");
        }
        if (o.InsecureSkipVerify && ca is not null && !plain)
            p.Warn(N.RootCaPath, "is ignored because insecureSkipVerify is true (no server certificate is checked)");

        if (certFile is { } c && keyFile is { } kf && p.Errors.Count == errorsBefore)
            CertificateKeyMatch(c.FullPath, kf.FullPath, o.PrivateKeyPassphrase, cert!, context.Time, p);

        if (p.Errors.Count > errorsBefore) return null;
        return new Files(certFile?.FullPath, keyFile?.FullPath, caFile?.FullPath);
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
    /// or an unsupported key type is a config error before any connection. Transport's messages name the files,
    /// never key material or the passphrase.
    /// </summary>
    private static void CertificateKeyMatch(string certPath, string keyPath, string? passphrase, string given, TimeProvider time, ProblemList p)
    {
        try
        {
            using var pair = ZeroDepMqtt.Transport.Tls.PemClientCertificate.Load(certPath, keyPath, passphrase);
            // A broker refuses a client certificate outside its validity period, with nothing better than a failed handshake.
            var now = time.GetUtcNow().UtcDateTime;
            var certificate = pair.Certificate;
            if (certificate.NotAfter.ToUniversalTime() < now)
                p.Error(N.CertificationPath, $"\"{given}\" expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; the broker would refuse it");
            else if (certificate.NotBefore.ToUniversalTime() > now)
                p.Error(N.CertificationPath, $"\"{given}\" is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; the broker would refuse it (is the clock right?)");
        }
        catch (ZeroDepMqtt.Transport.Tls.TlsConfigurationException e)
        {
            p.Error(N.PrivateKeyPath, $"does not load with certificationPath: {e.Message}");
        }
    }
}

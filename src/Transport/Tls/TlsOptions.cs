namespace ZeroDepMqtt.Transport.Tls;

/// <summary>How to secure a connection with TLS. Every property is optional; the defaults verify the server
/// against the operating system's trust store and its host name, and send no client certificate.</summary>
public sealed record TlsOptions
{
    /// <summary>A PEM file of one or more CA certificates. When set, these CAs alone are trusted for the server
    /// certificate (the system store is not consulted). Default: null (the system trust store).</summary>
    public string? RootCaPath { get; init; }

    /// <summary>Accept any server certificate and any host name. For tests only: it removes the protection TLS gives
    /// against a man in the middle. Default: false.</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>PEM text of one or more CA certificates, used like <see cref="RootCaPath"/> when that is null.
    /// Default: null.</summary>
    public string? RootCaPem { get; init; }

    // The PEM/BouncyCastle loader is reachable only through the setters of the client-certificate options, so a Native AOT
    // app that never sets them lets the trimmer drop it (and BouncyCastle with it). Fields are copied by `with`.
    private Func<TlsOptions, PemClientCertificate>? _clientCertificateLoader;

    /// <summary>A PEM client certificate, optionally followed by its intermediate CA certificates.
    /// Needs <see cref="PrivateKeyPath"/> or <see cref="PrivateKeyPem"/>. Default: null (no client certificate).</summary>
    public string? ClientCertificatePath { get; init { field = value; _clientCertificateLoader = PemClientCertificate.Load; } }

    /// <summary>The PEM private key of the client certificate: RSA or EC, in PKCS#1, PKCS#8 or SEC1 form, possibly
    /// encrypted. Default: null.</summary>
    public string? PrivateKeyPath { get; init { field = value; _clientCertificateLoader = PemClientCertificate.Load; } }

    /// <summary>PEM text of the client certificate (and chain), used when <see cref="ClientCertificatePath"/> is null.
    /// Default: null.</summary>
    public string? ClientCertificatePem { get; init { field = value; _clientCertificateLoader = PemClientCertificate.Load; } }

    /// <summary>PEM text of the private key, used when <see cref="PrivateKeyPath"/> is null. Never printed. Default: null.</summary>
    public string? PrivateKeyPem { get; init { field = value; _clientCertificateLoader = PemClientCertificate.Load; } }

    /// <summary>Whether a client certificate is configured (by path or PEM text).</summary>
    public bool HasClientCertificate => ClientCertificatePath is not null || ClientCertificatePem is not null || PrivateKeyPath is not null || PrivateKeyPem is not null;

    /// <summary>Loads the configured client certificate; null when none is configured.</summary>
    internal PemClientCertificate? LoadClientCertificate() => HasClientCertificate ? _clientCertificateLoader!(this) : null;

    /// <summary>The TLS versions allowed, e.g. <c>Tls12 | Tls13</c> or <c>Tls13</c>. Default: <see cref="System.Security.Authentication.SslProtocols.None"/>,
    /// the operating system's choice (OpenSSL on Linux: TLS 1.2 and 1.3).</summary>
    public System.Security.Authentication.SslProtocols EnabledProtocols { get; init; }

    /// <summary>Accept a renegotiation the server asks for (TLS 1.2 and older; TLS 1.3 has none). SslStream has no
    /// "once only" limit: allowed means as often as the server asks. Default: true, SslStream's default.</summary>
    public bool AllowRenegotiation { get; init; } = true;

    /// <summary>The passphrase of an encrypted private key. Default: null (the key is not encrypted).</summary>
    public string? PrivateKeyPassphrase { get; init; }

    /// <summary>The server name sent as SNI and checked against the certificate, when it differs from the host
    /// connected to. Default: null (the host of the broker address).</summary>
    public string? TargetHost { get; init; }

    /// <summary>ALPN protocol names to offer, such as <c>x-amzn-mqtt-ca</c> for AWS IoT on port 443.
    /// Default: null (no ALPN extension).</summary>
    public IReadOnlyList<string>? ApplicationProtocols { get; init; }

    /// <summary>Check the revocation status of the server certificate online. Default: false, because MQTT brokers on
    /// private CAs rarely publish revocation lists and an unreachable list would fail every handshake.</summary>
    public bool CheckCertificateRevocation { get; init; }

    /// <summary>The longest the TLS handshake may take. Default: 30 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

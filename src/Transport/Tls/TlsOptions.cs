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

    /// <summary>A PEM client certificate, optionally followed by its intermediate CA certificates.
    /// Needs <see cref="PrivateKeyPath"/>. Default: null (no client certificate).</summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>The PEM private key of the client certificate: RSA or EC, in PKCS#1, PKCS#8 or SEC1 form, possibly
    /// encrypted. Default: null.</summary>
    public string? PrivateKeyPath { get; init; }

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

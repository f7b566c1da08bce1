namespace ZeroDepMqtt.Transport.Tls;

/// <summary>Why a TLS handshake failed.</summary>
public enum TlsFailure
{
    /// <summary>The handshake failed for a reason not listed below (a TLS alert from the broker, such as a refused
    /// client certificate, a protocol or cipher mismatch, or the connection closing mid-handshake).</summary>
    HandshakeFailed,

    /// <summary>The server certificate does not chain to a trusted root, or its chain is invalid (expired, revoked...).</summary>
    UntrustedCertificate,

    /// <summary>The server certificate is not issued for the host name connected to.</summary>
    HostNameMismatch,

    /// <summary>The server sent no certificate.</summary>
    NoServerCertificate,

    /// <summary>The handshake did not finish within <see cref="TlsOptions.HandshakeTimeout"/>.</summary>
    Timeout,
}

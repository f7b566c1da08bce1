namespace ZeroDepMqtt.Transport.Tls;

/// <summary>PLACEHOLDER until the TLS branch merges.</summary>
public sealed record TlsOptions
{
    /// <summary>x</summary>
    public bool InsecureSkipVerify { get; init; }
}

/// <summary>PLACEHOLDER.</summary>
public sealed class TlsHandshakeException(string message) : Exception(message);

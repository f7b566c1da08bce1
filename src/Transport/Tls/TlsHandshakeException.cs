using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>The TLS handshake with the broker failed; the message says what failed in plain words, such as
/// <c>server certificate not trusted (UntrustedRoot)</c> or
/// <c>host name mismatch: certificate is for localhost, connected to example.com</c>.</summary>
public sealed class TlsHandshakeException : AuthenticationException
{
    /// <summary>Creates the exception.</summary>
    public TlsHandshakeException(string message, TlsFailure failure, SslPolicyErrors policyErrors = SslPolicyErrors.None,
        X509ChainStatusFlags chainStatus = X509ChainStatusFlags.NoError, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        PolicyErrors = policyErrors;
        ChainStatus = chainStatus;
    }

    /// <summary>What failed.</summary>
    public TlsFailure Failure { get; }

    /// <summary>The certificate validation errors, when validation failed.</summary>
    public SslPolicyErrors PolicyErrors { get; }

    /// <summary>The chain problems, when the chain was not trusted.</summary>
    public X509ChainStatusFlags ChainStatus { get; }
}

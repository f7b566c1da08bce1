namespace ZeroDepMqtt.Transport.Tls;

/// <summary>The client certificate or its private key cannot be used: a missing file, no certificate or key in it, a
/// wrong or missing passphrase, an unsupported key type, or a key that does not belong to the certificate.
/// Messages name files by path only and never contain key material.</summary>
public sealed class ClientCertificateException : TlsConfigurationException
{
    /// <summary>Creates the exception.</summary>
    public ClientCertificateException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public ClientCertificateException(string message, Exception? innerException) : base(message, innerException) { }
}

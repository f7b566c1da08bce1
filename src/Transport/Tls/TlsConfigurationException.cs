namespace ZeroDepMqtt.Transport.Tls;

/// <summary>A TLS file or setting cannot be used (for example an unreadable root CA file). Raised before any
/// connection is made. Messages name files by path only and never contain key material.</summary>
public class TlsConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TlsConfigurationException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public TlsConfigurationException(string message, Exception? innerException) : base(message, innerException) { }
}

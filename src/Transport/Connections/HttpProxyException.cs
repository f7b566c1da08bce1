namespace ZeroDepMqtt.Transport.Connections;

/// <summary>The HTTP proxy could not be reached or refused the tunnel. The message names the proxy (never its
/// credentials) and the broker asked for; it is an <see cref="IOException"/> so reconnecting treats it as a network
/// failure.</summary>
public sealed class HttpProxyException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HttpProxyException(string message, int? status = null, Exception? innerException = null)
        : base(message, innerException) => Status = status;

    /// <summary>The HTTP status the proxy answered (407, 403, 502, …), or null when it never answered.</summary>
    public int? Status { get; }
}

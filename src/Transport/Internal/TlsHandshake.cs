using System.Net.Security;

namespace ZeroDepMqtt.Transport.Internal;

// PLACEHOLDER until the TLS branch merges: adapts to its connector.
internal static class TlsHandshake
{
    public static async ValueTask<Stream> AuthenticateAsync(Stream inner, string host, Tls.TlsOptions options, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, cancellationToken).ConfigureAwait(false);
        return ssl;
    }
}

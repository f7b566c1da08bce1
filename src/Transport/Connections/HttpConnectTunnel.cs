using System.Globalization;
using System.Text;

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>Asks an HTTP proxy for a tunnel (<c>CONNECT host:port HTTP/1.1</c>, RFC 9110 §9.3.6) over a stream
/// already connected to the proxy.</summary>
internal static class HttpConnectTunnel
{
    public static async ValueTask OpenAsync(Stream proxyStream, HttpProxy proxy, BrokerAddress broker, CancellationToken cancellationToken)
    {
        string target = $"{broker.HostForUri}:{broker.Port.ToString(CultureInfo.InvariantCulture)}";
        var request = new StringBuilder()
            .Append("CONNECT ").Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(target).Append("\r\n");
        if (proxy.BasicAuthorization is { } auth) request.Append("Proxy-Authorization: ").Append(auth).Append("\r\n");
        request.Append("\r\n");
        HttpResponseHead head;
        try
        {
            await proxyStream.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
            await proxyStream.FlushAsync(cancellationToken).ConfigureAwait(false);
            head = await HttpResponseHead.ReadAsync(proxyStream, $"HTTP proxy {proxy}", cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (e is not HttpProxyException)
        {
            throw new HttpProxyException($"HTTP proxy {proxy} failed while asked for a tunnel to {target}: {e.Message}", innerException: e);
        }
        if (head.Status is >= 200 and < 300) return;
        throw new HttpProxyException($"HTTP proxy {proxy} refused the tunnel to {target}: {head.StatusText}{Hint(head.Status, proxy)}", head.Status);
    }

    private static string Hint(int status, HttpProxy proxy) => status switch
    {
        // 407 is the standard answer; tinyproxy 1.11 answers a wrong password with 401.
        401 or 407 when proxy.UserName is null => " (the proxy requires credentials: give them as http://user:password@host:port)",
        401 or 407 => " (the proxy refused the user name and password given)",
        403 => " (the proxy forbids tunnels to this host or port; tinyproxy, for one, allows CONNECT only to the ports its ConnectPort lines list)",
        502 or 504 => " (the proxy could not reach the broker)",
        _ => "",
    };
}

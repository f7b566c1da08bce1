using System.Net.Sockets;

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>
/// Opens the byte stream to one broker address: a TCP socket with NoDelay (to the broker, or to the HTTP proxy
/// followed by a <c>CONNECT</c> tunnel), TLS when the address asks for it, and the WebSocket upgrade for <c>ws://</c>
/// and <c>wss://</c>. The proxy is <see cref="MqttClientOptions.HttpProxy"/> or, when that is null, for WebSocket
/// addresses only, the one <see cref="HttpProxy.FromEnvironment"/> finds (unless <see cref="MqttClientOptions.HttpProxyFromEnvironment"/> is off).
/// </summary>
internal static class BrokerConnection
{
    /// <summary>The socket (closed by the caller to end pending I/O) and the stream MQTT reads and writes.</summary>
    public static async ValueTask<(Socket Socket, Stream Stream)> OpenAsync(BrokerAddress broker, Tls.TlsConnector? tls, MqttClientOptions options, CancellationToken cancellationToken)
    {
        if (broker.UseTls && tls is null) throw new InvalidOperationException($"no TLS connector for {broker}");
        HttpProxy? proxy;
        try
        {
            proxy = options.HttpProxy ?? (options.HttpProxyFromEnvironment ? HttpProxy.FromEnvironment(broker) : null);
        }
        catch (FormatException e)
        {
            // A malformed HTTPS_PROXY is a connection failure to report (and retry after the variable is fixed), not a crash.
            throw new HttpProxyException(e.Message, innerException: e);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            if (proxy is null)
            {
                await socket.ConnectAsync(broker.Host, broker.Port, cancellationToken).ConfigureAwait(false);
                stream = new NetworkStream(socket, ownsSocket: true);
            }
            else
            {
                try
                {
                    await socket.ConnectAsync(proxy.Host, proxy.Port, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    throw new HttpProxyException($"cannot reach HTTP proxy {proxy}: {e.Message}", innerException: e);
                }
                stream = new NetworkStream(socket, ownsSocket: true);
                await HttpConnectTunnel.OpenAsync(stream, proxy, broker, cancellationToken).ConfigureAwait(false);
            }
            if (broker.UseTls) stream = await tls!.AuthenticateAsync(stream, broker.Host, cancellationToken).ConfigureAwait(false);
            if (broker.UseWebSocket) stream = await WebSocketUpgrade.UpgradeAsync(stream, broker, options.ProtocolVersion, cancellationToken).ConfigureAwait(false);
            return (socket, stream);
        }
        catch
        {
            // A failed TLS handshake has already disposed its inner stream; disposing twice is harmless.
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
    }
}

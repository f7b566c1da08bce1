using System.Net.Sockets;

namespace ZeroDepMqtt.Transport.Internal;

/// <summary>Opens the byte stream to the broker: a TCP socket with NoDelay, wrapped in TLS when the address asks for it.</summary>
internal static class NetworkConnection
{
    public static async ValueTask<(Socket Socket, Stream Stream)> OpenAsync(BrokerAddress broker, Tls.TlsConnector? tls, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(broker.Host, broker.Port, cancellationToken).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
                stream = await tls.AuthenticateAsync(stream, broker.Host, cancellationToken).ConfigureAwait(false);
            return (socket, stream);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

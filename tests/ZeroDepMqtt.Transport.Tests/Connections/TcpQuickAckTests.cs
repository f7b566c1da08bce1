using System.Net;
using System.Net.Sockets;
using ZeroDepMqtt.Transport.Connections;

namespace ZeroDepMqtt.Transport.Tests.Connections;

/// <summary>
/// The read loop asks for quick acknowledgements after reads that leave it nothing to write, so the request must never throw: not on a
/// connected socket, not on one the connection's close just disposed, not on a socket that is not TCP. (What it is
/// for, no 40 ms stalls behind a Nagle broker, is shown by bench/Throughput's `zdmqtt drain 2 queues` rows, not by
/// a timed test.)
/// </summary>
public class TcpQuickAckTests
{
    [Fact]
    public async Task Request_on_a_connected_socket_is_accepted_by_the_kernel()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        TcpQuickAck.Request(client);
        if (OperatingSystem.IsLinux())
        {
            // Read back: the option exists on this kernel and the request did not fail silently for a wrong level or name.
            var value = new byte[4];
            Assert.Equal(4, client.GetRawSocketOption((int)SocketOptionLevel.Tcp, 12, value));
        }
    }

    [Fact]
    public void Request_on_a_disposed_socket_does_nothing()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();
        TcpQuickAck.Request(socket);
    }

    [Fact]
    public void Request_on_a_socket_that_is_not_tcp_does_nothing()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        TcpQuickAck.Request(socket);
    }
}

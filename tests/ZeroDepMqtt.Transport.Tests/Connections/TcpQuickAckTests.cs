using System.Net;
using System.Net.Sockets;
using ZeroDepMqtt.Transport.Connections;

namespace ZeroDepMqtt.Transport.Tests.Connections;

/// <summary>
/// The read loop asks for quick acknowledgements after reads that leave it nothing to write, so the request must
/// never throw: on a connected TCP socket the kernel takes it (a wrong level or option number would be refused and
/// show as false), on a socket the connection's close just disposed or one that is not TCP it does nothing. (What it
/// is for, no 40 ms stalls behind a Nagle broker, is shown by bench/Throughput's `zdmqtt drain 2 queues` rows, not by
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
        Assert.Equal(OperatingSystem.IsLinux(), TcpQuickAck.Request(client));
    }

    [Fact]
    public void Request_on_a_disposed_socket_does_nothing()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();
        Assert.False(TcpQuickAck.Request(socket));
    }

    [Fact]
    public void Request_on_a_socket_that_is_not_tcp_does_nothing()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Assert.False(TcpQuickAck.Request(socket));
    }
}

using System.Net;
using System.Net.Sockets;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>Ports on 127.0.0.1: a free one, and waiting until a broker listens.</summary>
internal static class Loopback
{
    /// <summary>A port that was free a moment ago; a broker that fails to bind it is retried on another.</summary>
    public static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>Polls until the port accepts a TCP connection; false at the deadline or when <paramref name="gaveUp"/> says so.</summary>
    public static async Task<bool> WaitUntilAcceptsAsync(int port, TimeSpan timeout, Func<bool> gaveUp, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !gaveUp())
        {
            if (await AcceptsAsync(port, cancellationToken)) return true;
            await Task.Delay(25, cancellationToken); // polling interval, not synchronisation: the connect decides
        }
        return false;
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (SocketException) { return false; }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { return false; }
    }
}

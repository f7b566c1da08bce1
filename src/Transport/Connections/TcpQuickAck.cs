using System.Net.Sockets;

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>
/// Asks Linux to acknowledge incoming TCP segments at once (<c>TCP_QUICKACK</c>). A broker that writes with Nagle's
/// algorithm on (Mosquitto without <c>set_tcp_nodelay</c>) holds its next small packet (a PUBREC, a PUBCOMP) until its
/// last one is acknowledged, and Linux delays that acknowledgement up to 40 ms when the client has nothing to send
/// back: a client waiting for its acknowledgements then waits 40 ms a turn (measured: a resendAlterQueue QoS 2 drain
/// through Mosquitto, 40–48 ms gaps before each read, 10 flows a turn). Setting it also sends an ACK the kernel was
/// holding back. The read loop asks only after a read that left the client nothing to write: while publishes stream,
/// ACKs ride on them, so extra ACK packets would buy nothing (no CPU difference was shown either way). The kernel
/// leaves quick-ack mode by itself, so it is asked again at each such read.
/// </summary>
internal static class TcpQuickAck
{
    private const int TcpQuickAckOption = 12;   // TCP_QUICKACK, linux/tcp.h

    /// <summary>Requests quick acknowledgements on <paramref name="socket"/>. False, and nothing else, on other systems,
    /// a closed socket or one the kernel refuses the option for.</summary>
    public static bool Request(Socket socket)
    {
        if (!OperatingSystem.IsLinux()) return false;
        Span<byte> on = [1, 0, 0, 0];   // an int 1 (little and big endian alike read non-zero)
        try
        {
            socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpQuickAckOption, on);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is closing: its read loop sees that on its own.
            return false;
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// Listening ports on 127.0.0.1 for the brokers and proxies tests start as child processes: the one helper every test
/// project (and bench/) uses to pick them.
/// </summary>
/// <remarks>
/// Binding port 0, closing and handing the number to a child races twice. Another bind(0) in this or another process
/// may get the same number before the child binds it; and a broker stopped for a restart leaves its port free, where
/// any outgoing connection may take it as its source port (a client reconnecting to the stopped broker can even
/// connect to itself). So ports come from below the kernel's ephemeral range, where neither bind(0) nor a source port
/// ever lands; each is handed out once per process; the scan starts at a random place, so parallel test processes
/// rarely try the same ones; and each is checked free by binding it before it is handed out. Two processes can still
/// pick one port at the same moment: starters retry on "address in use", which this cannot rule out.
/// </remarks>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private static readonly object Gate = new();
    private static readonly HashSet<int> HandedOut = new();
    private static readonly int Highest = EphemeralLow() - 1;
    private static int _next = Lowest + Random.Shared.Next(Math.Max(1, Highest - Lowest));

    /// <summary>A port free a moment ago that this process has not handed out before and that no bind(0) or outgoing
    /// connection will take.</summary>
    /// <exception cref="InvalidOperationException">Every port of the range was handed out or is in use.</exception>
    public static int Reserve()
    {
        lock (Gate)
        {
            int span = Highest - Lowest + 1;
            for (int tried = 0; tried < span; tried++)
            {
                int port = _next;
                _next = _next >= Highest ? Lowest : _next + 1;
                if (HandedOut.Contains(port) || !IsFree(port)) continue;
                HandedOut.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free loopback port left in {Lowest}..{Highest}");
    }

    /// <summary>
    /// A port that refuses connections for as long as the result is not disposed: bound on 127.0.0.1 without listening,
    /// so a connect gets a reset (ECONNREFUSED) and no other process, such as a broker another test project starts, can
    /// take it meanwhile (a port merely reserved and left unbound can be).
    /// </summary>
    public static RefusingPort HoldRefusing()
    {
        while (true)
        {
            int port = Reserve();
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return new RefusingPort(socket, port);
            }
            catch (SocketException)
            {
                socket.Dispose(); // taken since the check: try the next one
            }
        }
    }

    /// <summary>Polls until the port accepts a TCP connection; false at the deadline or when <paramref name="gaveUp"/> says so.</summary>
    public static async Task<bool> WaitUntilAcceptsAsync(int port, TimeSpan timeout, Func<bool> gaveUp, CancellationToken cancellationToken = default)
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

    private static bool IsFree(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux says where its ephemeral range starts; elsewhere, when unreadable, or when it starts too low to leave room
    // below it, assume the IANA range (49152 up).
    private static int EphemeralLow()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int low) && low > Lowest + 1000) return low;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 49_152;
    }
}

/// <summary>A loopback port held bound and not listening (<see cref="LoopbackPorts.HoldRefusing"/>): connects to it are refused.</summary>
public sealed class RefusingPort(Socket socket, int port) : IDisposable
{
    /// <summary>The port.</summary>
    public int Port { get; } = port;

    /// <summary>Releases the port.</summary>
    public void Dispose() => socket.Dispose();
}

using System.Net;
using System.Net.Sockets;

namespace ZeroDepMqtt.TestSupport;

/// <summary>A hostile or broken "broker": a TCP listener on 127.0.0.1 and a free port whose connections the test drives
/// byte by byte (read the client's packets, write scripted bytes, stay silent, never read).</summary>
public sealed class ScriptedBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<ScriptedConnection> _connections = [];

    /// <summary>Starts listening.</summary>
    /// <param name="receiveBufferSize">SO_RCVBUF of accepted connections (set on the listener, so that the kernel does
    /// not grow it); null for the system's default.</param>
    public ScriptedBroker(int? receiveBufferSize = null)
    {
        if (receiveBufferSize is { } size) _listener.Server.ReceiveBufferSize = size;
        _listener.Start();
    }

    /// <summary>The listener's port.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The address for <see cref="MqttClientOptions.Broker"/>.</summary>
    public BrokerAddress Address => new("127.0.0.1", Port, useTls: false);

    /// <summary>Accepts the next connection.</summary>
    public async Task<ScriptedConnection> AcceptAsync(TimeSpan? timeout = null)
    {
        var socket = await _listener.AcceptSocketAsync().Within(timeout ?? TimeSpan.FromSeconds(10), "the client connected");
        var connection = new ScriptedConnection(socket);
        lock (_connections) _connections.Add(connection);
        return connection;
    }

    /// <summary>Accepts a connection and reads its CONNECT.</summary>
    public async Task<ScriptedConnection> AcceptConnectAsync(TimeSpan? timeout = null)
    {
        var connection = await AcceptAsync(timeout);
        var (first, _) = await connection.ReadPacketAsync();
        Assert.Equal(0x10, first); // MQTT-3.1.0-1: the first packet is CONNECT
        return connection;
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        lock (_connections) foreach (var c in _connections) c.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One accepted connection of a <see cref="ScriptedBroker"/>.</summary>
public sealed class ScriptedConnection(Socket socket) : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>CONNACK accepted, no session present.</summary>
    public static readonly byte[] ConnAckAccepted = [0x20, 0x02, 0x00, 0x00];

    /// <summary>The socket, for tests that shape it (a tiny receive buffer).</summary>
    public Socket Socket => socket;

    /// <summary>Writes raw bytes.</summary>
    public async Task WriteAsync(params byte[] bytes) => await socket.SendAsync(bytes);

    /// <summary>Reads one whole packet: its first byte and its body.</summary>
    /// <exception cref="EndOfStreamException">The client closed the connection first.</exception>
    public async Task<(byte First, byte[] Body)> ReadPacketAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        byte first = (await ReadExactlyAsync(1, cts.Token))[0];
        int length = 0, shift = 0;
        while (true)
        {
            byte b = (await ReadExactlyAsync(1, cts.Token))[0];
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
            shift += 7;
        }
        return (first, await ReadExactlyAsync(length, cts.Token));
    }

    /// <summary>Reads packets until one whose first byte is <paramref name="first"/> arrives.</summary>
    public async Task<byte[]> ReadUntilAsync(byte first, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var packet = await ReadPacketAsync(deadline - DateTime.UtcNow);
            if (packet.First == first) return packet.Body;
        }
    }

    /// <summary>Reads and discards until the client closes the connection; false when it is still open at the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0) { }
            return true;
        }
        catch (OperationCanceledException) { return false; }
        catch (SocketException) { return true; } // reset: closed too
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        for (int read = 0; read < count;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (n == 0) throw new EndOfStreamException($"the client closed the connection ({read} of {count} bytes read)");
            read += n;
        }
        return buffer;
    }

    /// <inheritdoc/>
    public void Dispose() => socket.Dispose();
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// A minimal HTTP CONNECT proxy on a free loopback port that tunnels every request to one local port, whatever host it
/// names: lets a test connect to "xyz.iot.us-east-1.amazonaws.com:443" without DNS or port 443. Request lines are kept
/// in <see cref="Requests"/>.
/// </summary>
public sealed class TestConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    /// <summary>Starts listening; every tunnel goes to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public TestConnectProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's port.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The request line of each CONNECT received.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    private async Task AcceptAsync()
    {
        try
        {
            while (true) _ = ServeAsync(await _listener.AcceptTcpClientAsync(_stop.Token));
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                // Byte by byte up to the blank line, so nothing of the tunnelled bytes is read here.
                var head = new StringBuilder();
                var one = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                {
                    if (await stream.ReadAsync(one, _stop.Token) == 0) return;
                    head.Append((char)one[0]);
                }
                Requests.Enqueue(head.ToString().Split("\r\n")[0]);
                using var target = new TcpClient();
                await target.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stop.Token);
                var upstream = target.GetStream();
                await Pump.BothWaysAsync(stream, upstream, _stop.Token);
            }
            catch (Exception)
            {
                // Either side closed: the tunnel ends.
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

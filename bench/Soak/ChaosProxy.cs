using System.Net;
using System.Net.Sockets;

namespace ZeroDepMqtt.Soak;

/// <summary>
/// A loopback TCP proxy between the publisher and the broker that misbehaves on command: it pauses traffic,
/// black-holes it (connection open, nothing forwarded, so only keep-alive can notice), or cuts the connection in the
/// middle of a packet. Faults are the network's, never the broker's: anything lost here is the client's fault.
/// </summary>
internal sealed class ChaosProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Task _acceptLoop;

    public ChaosProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Cuts { get; private set; }
    public int Pauses { get; private set; }
    public int BlackHoles { get; private set; }

    /// <summary>Stops forwarding for a while, both ways.</summary>
    public void Pause(TimeSpan duration)
    {
        Pauses++;
        foreach (var link in Snapshot()) link.PausedUntil = Environment.TickCount64 + (long)duration.TotalMilliseconds;
    }

    /// <summary>Stops forwarding for good on the current connections, keeping them open.</summary>
    public void BlackHole()
    {
        BlackHoles++;
        foreach (var link in Snapshot()) link.PausedUntil = long.MaxValue;
    }

    /// <summary>Forwards a few more bytes of the next chunk only, then closes both sides: a packet cut in half.</summary>
    public void CutMidPacket()
    {
        Cuts++;
        foreach (var link in Snapshot()) link.CutAfterPartialChunk = true;
    }

    private Link[] Snapshot()
    {
        lock (_links)
        {
            _links.RemoveAll(l => l.Closed);
            return [.. _links];
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                }
                catch (SocketException)
                {
                    client.Dispose();   // broker down: the client sees a refused connection, as it would directly
                    upstream.Dispose();
                    continue;
                }
                client.NoDelay = true;
                var link = new Link(client, upstream);
                lock (_links) _links.Add(link);
                _ = link.RunAsync(_stop.Token);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested) { }
        catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var link in Snapshot()) link.Close();
        try { await _acceptLoop; } catch (Exception) { }
    }

    private sealed class Link(Socket client, Socket upstream)
    {
        public long PausedUntil;
        public volatile bool CutAfterPartialChunk;
        public volatile bool Closed;

        public async Task RunAsync(CancellationToken ct)
        {
            await Task.WhenAll(PumpAsync(client, upstream, ct), PumpAsync(upstream, client, ct));
            Close();
        }

        private async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (!Closed)
                {
                    int n = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
                    if (n == 0) break;
                    while (Environment.TickCount64 < Interlocked.Read(ref PausedUntil) && !Closed) await Task.Delay(20, ct);
                    if (CutAfterPartialChunk)
                    {
                        // Half of what just arrived goes through, then the line goes dead mid-packet.
                        if (n > 1) await to.SendAsync(buffer.AsMemory(0, n / 2), SocketFlags.None, ct);
                        break;
                    }
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
                }
            }
            catch (Exception) { }
            Close();
        }

        public void Close()
        {
            if (Closed) return;
            Closed = true;
            try { client.Shutdown(SocketShutdown.Both); } catch (Exception) { }
            try { upstream.Shutdown(SocketShutdown.Both); } catch (Exception) { }
            client.Dispose();
            upstream.Dispose();
        }
    }
}

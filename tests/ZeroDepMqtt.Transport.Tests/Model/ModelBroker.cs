using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests.Model;

/// <summary>
/// The broker side of the client model test: a <see cref="ScriptedBroker"/> that answers like a broker while
/// <see cref="Acking"/> (CONNACK, PUBACK, PUBREC/PUBCOMP, SUBACK, PINGRESP), stays silent otherwise, refuses the next
/// connections with "server unavailable" on request, and records every PUBLISH and every protocol promise it sees broken.
/// </summary>
internal sealed class ModelBroker : IAsyncDisposable
{
    private static readonly TimeSpan Forever = TimeSpan.FromMinutes(5);   // a hang guard: the test disposes the broker first
    private readonly ScriptedBroker _listener = new();
    private readonly object _gate = new();
    private readonly Dictionary<ushort, string> _held = new();   // ids the broker holds: QoS 1 until PUBACK, QoS 2 until PUBCOMP
    private readonly List<WirePublish> _wire = new();
    private readonly List<string> _violations = new();
    private readonly Task _accepting;
    private ScriptedConnection? _current;
    private bool _hasSession;

    public ModelBroker() => _accepting = AcceptLoopAsync();

    public BrokerAddress Address => _listener.Address;

    /// <summary>Whether the broker answers; silent otherwise (it still reads).</summary>
    public volatile bool Acking = true;

    /// <summary>How many next connections to refuse with CONNACK 3 (server unavailable).</summary>
    public int RefuseNext;

    /// <summary>Whether the next connection finds the session gone (as after a broker restart without persistence).</summary>
    public volatile bool LoseSession;

    public int Connections;

    public List<WirePublish> Wire { get { lock (_gate) return [.. _wire]; } }

    public List<string> Violations { get { lock (_gate) return [.. _violations]; } }

    /// <summary>Closes the current connection from the broker's side.</summary>
    public void Drop()
    {
        ScriptedConnection? c;
        lock (_gate) c = _current;
        c?.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var c = await _listener.AcceptConnectAsync(Forever);
                Interlocked.Increment(ref Connections);
                if (Interlocked.Decrement(ref RefuseNext) >= 0)
                {
                    await c.WriteAsync(0x20, 0x02, 0x00, 0x03);
                    c.Dispose();
                    continue;
                }
                Interlocked.Exchange(ref RefuseNext, 0);
                bool present;
                lock (_gate)
                {
                    if (LoseSession) { _hasSession = false; _held.Clear(); LoseSession = false; }
                    present = _hasSession;
                    _hasSession = true;
                    _current?.Dispose();
                    _current = c;
                }
                await c.WriteAsync(0x20, 0x02, (byte)(present ? 1 : 0), 0x00);
                _ = ServeAsync(c);
            }
        }
        catch (Exception) { }   // the listener stopped
    }

    private async Task ServeAsync(ScriptedConnection c)
    {
        try
        {
            while (true)
            {
                var (first, body) = await c.ReadPacketAsync(Forever);
                byte[]? answer = null;
                if (WirePublish.Is(first))
                {
                    var p = WirePublish.Parse(first, body);
                    string payload = System.Text.Encoding.ASCII.GetString(p.Payload);
                    lock (_gate)
                    {
                        _wire.Add(p);
                        if (p.QoS > 0)
                        {
                            // MQTT-2.3.1-2: an id the broker still holds belongs to that message; a new one on it would be swallowed.
                            if (_held.TryGetValue(p.PacketId, out var held) && held != payload)
                                _violations.Add($"id {p.PacketId} reused for {payload} (DUP {p.Dup}) while the broker holds {held}");
                            _held[p.PacketId] = payload;
                        }
                        if (Acking)
                        {
                            answer = p.Ack();
                            if (p.QoS == 1) _held.Remove(p.PacketId);
                        }
                    }
                }
                else if (first == 0x62 && Acking)
                {
                    ushort id = (ushort)(body[0] << 8 | body[1]);
                    lock (_gate) _held.Remove(id);
                    answer = [0x70, 0x02, body[0], body[1]];
                }
                else if (first == 0x82 && Acking) answer = [0x90, 0x03, body[0], body[1], 0x01];
                else if (first == 0xC0 && Acking) answer = [0xD0, 0x00];
                else if (first == 0xE0) return;
                if (answer is not null) await c.WriteAsync(answer);
            }
        }
        catch (Exception) { }   // the connection closed
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _accepting;
        lock (_gate) _current?.Dispose();
    }
}

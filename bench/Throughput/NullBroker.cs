using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// An ack-only MQTT 3.1.1 broker, in this process, for measuring a client's own cost: it answers CONNECT with
/// CONNACK, PUBLISH with PUBACK or PUBREC, PUBREL with PUBCOMP, SUBSCRIBE with SUBACK (granting what was asked),
/// PINGREQ with PINGRESP, routes nothing and keeps no state. One thread per connection reads blocks of up to 1 MiB
/// with blocking receives, frames by hand and sends the acks of one block in one write. It counts the PUBLISH packets
/// of the topic being measured (<see cref="Track"/>) per connection, with the times of the first and the last.
/// </summary>
internal sealed class NullBroker : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _sockets = [];
    private volatile ArrivalTally? _tracked;
    private volatile bool _stopping;

    private NullBroker()
    {
        _listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        new Thread(AcceptLoop) { IsBackground = true, Name = "null broker accept" }.Start();
    }

    public int Port { get; }

    public static NullBroker Start() => new();

    /// <summary>Counts the PUBLISH packets to <paramref name="topic"/> (with <paramref name="andBelow"/>, also to every
    /// topic under <c>topic/</c>: a dynamic topic's many) from now on (until the next call).</summary>
    public ArrivalTally Track(string topic, bool andBelow = false)
    {
        var tally = new ArrivalTally(Encoding.UTF8.GetBytes(topic), andBelow);
        _tracked = tally;
        return tally;
    }

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket s;
            try { s = _listener.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            s.NoDelay = true;
            s.ReceiveBufferSize = 4 << 20;
            s.SendBufferSize = 1 << 20;
            lock (_sockets) _sockets.Add(s);
            new Thread(() => Serve(s)) { IsBackground = true, Name = "null broker connection" }.Start();
        }
    }

    private void Serve(Socket socket)
    {
        var buffer = new byte[1 << 20];
        var acks = new byte[1 << 18];
        int have = 0;
        string clientId = "?";
        try
        {
            while (true)
            {
                if (have == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // one packet larger than the buffer
                int n = socket.Receive(buffer.AsSpan(have), SocketFlags.None);
                if (n == 0) return;
                have += n;
                var tally = _tracked;
                int pos = 0, ackBytes = 0, counted = 0, lastPayload = -1;
                while (TryFrame(buffer, pos, have, out int header, out int bodyAt, out int bodyLength))
                {
                    var body = buffer.AsSpan(bodyAt, bodyLength);
                    switch (header >> 4)
                    {
                        case 1: // CONNECT: CONNACK accepted, no session present
                            clientId = ConnectClientId(body);
                            ackBytes = Put(acks, ackBytes, 0x20, 0);
                            break;
                        case 3: // PUBLISH
                        {
                            int qos = (header >> 1) & 3;
                            int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
                            if (tally is not null && tally.Matches(body.Slice(2, topicLength)))
                            {
                                counted++;
                                lastPayload = bodyLength - 2 - topicLength - (qos > 0 ? 2 : 0);
                            }
                            if (qos > 0) ackBytes = Put(acks, ackBytes, qos == 1 ? (byte)0x40 : (byte)0x50, BinaryPrimitives.ReadUInt16BigEndian(body[(2 + topicLength)..]));
                            break;
                        }
                        case 6: // PUBREL
                            ackBytes = Put(acks, ackBytes, 0x70, BinaryPrimitives.ReadUInt16BigEndian(body));
                            break;
                        case 8: // SUBSCRIBE: grant every filter the QoS it asked for
                        {
                            int granted = 0;
                            for (int at = 2; at < body.Length; at += 3 + BinaryPrimitives.ReadUInt16BigEndian(body[at..]))
                                acks[ackBytes + 4 + granted++] = body[at + 2 + BinaryPrimitives.ReadUInt16BigEndian(body[at..])];
                            acks[ackBytes] = 0x90;
                            acks[ackBytes + 1] = (byte)(2 + granted);
                            BinaryPrimitives.WriteUInt16BigEndian(acks.AsSpan(ackBytes + 2), BinaryPrimitives.ReadUInt16BigEndian(body));
                            ackBytes += 4 + granted;
                            break;
                        }
                        case 10: // UNSUBSCRIBE
                            ackBytes = Put(acks, ackBytes, 0xB0, BinaryPrimitives.ReadUInt16BigEndian(body));
                            break;
                        case 12: // PINGREQ
                            acks[ackBytes++] = 0xD0;
                            acks[ackBytes++] = 0;
                            break;
                        case 14: // DISCONNECT
                            if (ackBytes > 0) RawMqtt.SendAll(socket, acks.AsSpan(0, ackBytes));
                            if (counted > 0) tally!.Add(clientId, counted, lastPayload, Stopwatch.GetTimestamp());
                            return;
                    }
                    pos = bodyAt + bodyLength;
                    if (ackBytes > acks.Length - 512)
                    {
                        RawMqtt.SendAll(socket, acks.AsSpan(0, ackBytes));
                        ackBytes = 0;
                    }
                }
                if (counted > 0) tally!.Add(clientId, counted, lastPayload, Stopwatch.GetTimestamp());
                if (ackBytes > 0) RawMqtt.SendAll(socket, acks.AsSpan(0, ackBytes));
                Buffer.BlockCopy(buffer, pos, buffer, 0, have - pos);
                have -= pos;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            // Closed, or a malformed packet: the connection ends, and the count says how far it got.
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>A whole packet at <paramref name="pos"/>: its first byte, where its body starts and how long it is.</summary>
    private static bool TryFrame(byte[] buffer, int pos, int have, out int header, out int bodyAt, out int bodyLength)
    {
        header = bodyAt = bodyLength = 0;
        if (have - pos < 2) return false;
        header = buffer[pos];
        int length = 0, shift = 0, i = pos + 1;
        while (true)
        {
            if (i >= have) return false;
            byte b = buffer[i++];
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
            shift += 7;
            if (shift > 21) throw new IndexOutOfRangeException("malformed remaining length");
        }
        if (have - i < length) return false;
        bodyAt = i;
        bodyLength = length;
        return true;
    }

    private static string ConnectClientId(ReadOnlySpan<byte> body)
    {
        int at = 2 + BinaryPrimitives.ReadUInt16BigEndian(body) + 4; // protocol name, level, flags, keep alive
        int length = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
        return Encoding.UTF8.GetString(body.Slice(at + 2, length));
    }

    private static int Put(byte[] into, int at, byte firstByte, ushort id) => RawMqtt.WriteAck(into, at, firstByte, id);

    public void Dispose()
    {
        _stopping = true;
        _listener.Dispose();
        lock (_sockets) foreach (var s in _sockets) s.Dispose();
    }
}

/// <summary>
/// The PUBLISH packets of one topic that a broker counted, per connection: how many, the time of the read that held
/// the first and of the one that held the last, and how many the first read held (they arrived before its time).
/// </summary>
internal sealed class ArrivalTally(byte[] topic, bool andBelow = false) : IArrivals
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (long Count, long First, long FirstBatch, long Last)> _connections = [];
    private long _count;
    private int _lastPayloadLength = -1;

    public byte[] Topic { get; } = topic;

    /// <summary>True when a PUBLISH to <paramref name="name"/> is one this tally counts.</summary>
    public bool Matches(ReadOnlySpan<byte> name) => name.SequenceEqual(Topic)
        || (andBelow && name.Length > Topic.Length && name.StartsWith(Topic) && name[Topic.Length] == '/');
    public long Count => Interlocked.Read(ref _count);
    public int LastPayloadLength => Volatile.Read(ref _lastPayloadLength);

    public void Add(string clientId, int count, int payloadLength, long timestamp)
    {
        lock (_gate)
        {
            _connections[clientId] = _connections.TryGetValue(clientId, out var c)
                ? (c.Count + count, c.First, c.FirstBatch, timestamp)
                : (count, timestamp, count, timestamp);
        }
        Volatile.Write(ref _lastPayloadLength, payloadLength);
        Interlocked.Add(ref _count, count);
    }

    /// <summary>Per connection: messages after the first read over the time from the first read to the last.</summary>
    public IReadOnlyList<(string ClientId, long Count, double Rate)> PerConnection()
    {
        lock (_gate)
            return _connections.Select(kv => (kv.Key, kv.Value.Count,
                (kv.Value.Count - kv.Value.FirstBatch) / Stopwatch.GetElapsedTime(kv.Value.First, kv.Value.Last).TotalSeconds)).ToList();
    }

    public bool WaitFor(long expected, TimeSpan idle) => Arrivals.WaitFor(() => Count, expected, idle);

    public void Dispose() { }
}

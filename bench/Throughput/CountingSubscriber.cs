using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// The one subscriber of a run: a raw socket read on its own thread, framing with <see cref="MqttFrameReader"/>,
/// counting PUBLISH packets and acknowledging them (PUBACK; PUBREC, then PUBCOMP for PUBREL), acks of one read
/// sent in one write. Records when the first and the last message arrived.
/// </summary>
internal sealed class CountingSubscriber : IArrivals
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private static int s_next;
    private long _count;
    private long _firstTimestamp, _lastTimestamp;
    private int _lastPayloadLength = -1;
    private volatile Exception? _error;

    private CountingSubscriber(Socket socket)
    {
        _socket = socket;
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "counting subscriber" };
    }

    public static CountingSubscriber Start(int port, string topic, QualityOfService qos)
    {
        var socket = RawMqtt.Connect(port, $"bench-sub-{Interlocked.Increment(ref s_next)}");
        RawMqtt.Subscribe(socket, topic, qos);
        var s = new CountingSubscriber(socket);
        s._thread.Start();
        return s;
    }

    public long Count => Interlocked.Read(ref _count);
    public long FirstTimestamp => Interlocked.Read(ref _firstTimestamp);
    public long LastTimestamp => Interlocked.Read(ref _lastTimestamp);
    public int LastPayloadLength => Volatile.Read(ref _lastPayloadLength);
    public Exception? Error => _error;

    /// <summary>When set, each payload is a Stopwatch timestamp in decimal digits, and its age on arrival is recorded here.</summary>
    public Workers.LatencyRecorder? PayloadAges { get; set; }

    public bool WaitFor(long expected, TimeSpan idle) => Arrivals.WaitFor(() => Count, expected, idle);

    private void ReadLoop()
    {
        var buffer = new byte[1 << 20];
        var acks = new byte[1 << 18];
        int have = 0;
        try
        {
            while (true)
            {
                int n = _socket.Receive(buffer, have, buffer.Length - have, SocketFlags.None);
                if (n == 0) return;
                have += n;
                var seq = new ReadOnlySequence<byte>(buffer, 0, have);
                long counted = 0;
                int ackBytes = 0;
                while (MqttFrameReader.TryRead(ref seq, MqttFrameReader.DefaultMaxPacketSize, out var frame))
                {
                    var body = frame.Body.FirstSpan;
                    switch (frame.Type)
                    {
                        case PacketType.Publish:
                            counted++;
                            int qos = (frame.Flags >> 1) & 3;
                            int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
                            _lastPayloadLength = body.Length - 2 - topicLength - (qos > 0 ? 2 : 0);
                            if (PayloadAges is { } ages
                                && System.Buffers.Text.Utf8Parser.TryParse(body[(2 + topicLength + (qos > 0 ? 2 : 0))..], out long sent, out _))
                                ages.Add(Stopwatch.GetTimestamp() - sent);
                            if (qos == 1) ackBytes = RawMqtt.WriteAck(acks, ackBytes, 0x40, RawMqtt.PublishId(body));
                            else if (qos == 2) ackBytes = RawMqtt.WriteAck(acks, ackBytes, 0x50, RawMqtt.PublishId(body));
                            break;
                        case PacketType.PubRel:
                            ackBytes = RawMqtt.WriteAck(acks, ackBytes, 0x70, BinaryPrimitives.ReadUInt16BigEndian(body));
                            break;
                    }
                    if (ackBytes > acks.Length - 4)
                    {
                        RawMqtt.SendAll(_socket, acks.AsSpan(0, ackBytes));
                        ackBytes = 0;
                    }
                }
                if (counted > 0)
                {
                    long ts = Stopwatch.GetTimestamp();
                    if (_firstTimestamp == 0) Interlocked.Exchange(ref _firstTimestamp, ts);
                    Interlocked.Exchange(ref _lastTimestamp, ts);
                    Interlocked.Add(ref _count, counted);
                }
                if (ackBytes > 0) RawMqtt.SendAll(_socket, acks.AsSpan(0, ackBytes));
                int rest = (int)seq.Length;
                Buffer.BlockCopy(buffer, have - rest, buffer, 0, rest);
                have = rest;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // Closed by Dispose, or by the broker: Count says how far it got.
        }
        catch (Exception e)
        {
            _error = e;
        }
    }

    public void Dispose()
    {
        RawMqtt.Disconnect(_socket);
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}

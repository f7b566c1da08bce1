using System.Buffers;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// One publish through the sans-I/O session, no socket: accept, write the PUBLISH into a reused buffer, feed the
/// broker's ack back, take the completion event. This is the client's per-message work minus threads and syscalls;
/// DESIGN.md promises it allocates nothing in steady state, so the Allocated column must read 0 B (or "-").
/// </summary>
[MemoryDiagnoser]
public class SessionBenchmarks
{
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(1);
    private readonly CodecBenchmarks.FixedBufferWriter _writer = new(4096);
    private readonly byte[] _ack = new byte[4];
    private ClientSession _session = null!;
    private TopicName _topic;
    private byte[] _payload = null!;

    [Params(64, 1024)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _topic = TopicName.Create("devices/demo_001/messages/events/");
        _payload = new byte[PayloadSize];
        new Random(1).NextBytes(_payload);
        // The broker of the throughput table has no QoS 2 cap either.
        _session = new ClientSession(new ClientSessionOptions { ClientId = "bench", MaxInFlight = 256, MaxInFlightQoS2 = 256 });
        _session.ConnectionUp(TimeSpan.Zero);
        _writer.Reset();
        _session.WriteOutgoing(_writer, TimeSpan.Zero);                 // CONNECT
        Feed([0x20, 0x02, 0x00, 0x00]);                                 // CONNACK, accepted
        while (_session.TryGetEvent(out _)) { }
        if (_session.State != SessionState.Connected) throw new InvalidOperationException("the session did not connect");
    }

    [Benchmark]
    public int PublishQos0()
    {
        _session.TryPublish(_topic, _payload, QualityOfService.AtMostOnce, retain: false, state: null);
        _writer.Reset();
        int n = _session.WriteOutgoing(_writer, Now);
        return n + Drain();
    }

    [Benchmark]
    public int PublishQos1ToPubAck()
    {
        _session.TryPublish(_topic, _payload, QualityOfService.AtLeastOnce, retain: false, state: null);
        _writer.Reset();
        _session.WriteOutgoing(_writer, Now);
        Ack(0x40, WrittenPacketId());
        return Drain();
    }

    [Benchmark]
    public int PublishQos2ToPubComp()
    {
        _session.TryPublish(_topic, _payload, QualityOfService.ExactlyOnce, retain: false, state: null);
        _writer.Reset();
        _session.WriteOutgoing(_writer, Now);
        ushort id = WrittenPacketId();
        Ack(0x50, id);                      // PUBREC
        _writer.Reset();
        _session.WriteOutgoing(_writer, Now); // PUBREL
        Ack(0x70, id);                      // PUBCOMP
        return Drain();
    }

    /// <summary>The packet id of the PUBLISH just written: after the topic's length-prefixed bytes.</summary>
    private ushort WrittenPacketId()
    {
        var written = new ReadOnlySequence<byte>(_writer.Buffer, 0, _writer.Written);
        MqttFrameReader.TryRead(ref written, MqttFrameReader.DefaultMaxPacketSize, out var frame);
        var body = frame.Body.FirstSpan;
        return BinaryPrimitives.ReadUInt16BigEndian(body[(2 + BinaryPrimitives.ReadUInt16BigEndian(body))..]);
    }

    private void Ack(byte firstByte, ushort id)
    {
        _ack[0] = firstByte;
        _ack[1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(_ack.AsSpan(2), id);
        Feed(_ack);
    }

    private void Feed(byte[] packet)
    {
        var bytes = new ReadOnlySequence<byte>(packet);
        MqttFrameReader.TryRead(ref bytes, MqttFrameReader.DefaultMaxPacketSize, out var frame);
        _session.Receive(frame, Now, out _);
    }

    private int Drain()
    {
        int n = 0;
        while (_session.TryGetEvent(out _)) n++;
        if (n != 1) throw new InvalidOperationException($"expected one completion, got {n} events");
        return n;
    }
}

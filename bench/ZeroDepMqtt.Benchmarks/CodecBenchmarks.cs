using System.Buffers;
using BenchmarkDotNet.Attributes;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// The codec's hot paths: encode into a reused buffer writer, decode from a buffer or a segmented stream.
/// Steady state must allocate nothing (DESIGN.md: no object per message).
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int StreamPackets = 1000;
    private const int SegmentSize = 1460; // a typical TCP segment payload on Ethernet

    private readonly FixedBufferWriter _writer = new(4096);
    private Publish _publishQos0;
    private Publish _publishQos1;
    private Publish _publishQos0Kb;
    private Publish _publishQos1Kb;
    private readonly PubAck _pubAck = new(4242);
    private ReadOnlySequence<byte> _publishBytes;
    private ReadOnlySequence<byte> _publishKbBytes;
    private ReadOnlySequence<byte> _pubAckBytes;
    private ReadOnlySequence<byte> _stream;
    private ReadOnlySequence<byte> _streamKb;

    [GlobalSetup]
    public void Setup()
    {
        var topic = TopicName.Create("devices/demo_001/messages/events/");
        var payload = new byte[64];
        new Random(1).NextBytes(payload);
        var payloadKb = new byte[1024];
        new Random(2).NextBytes(payloadKb);
        _publishQos0 = new Publish(topic, payload);
        _publishQos1 = new Publish(topic, payload, QualityOfService.AtLeastOnce, packetId: 17);
        _publishQos0Kb = new Publish(topic, payloadKb);
        _publishQos1Kb = new Publish(topic, payloadKb, QualityOfService.AtLeastOnce, packetId: 17);
        _publishBytes = new ReadOnlySequence<byte>(Encode(w => _publishQos1.WriteTo(w)));
        _publishKbBytes = new ReadOnlySequence<byte>(Encode(w => _publishQos1Kb.WriteTo(w)));
        _pubAckBytes = new ReadOnlySequence<byte>(Encode(w => _pubAck.WriteTo(w)));
        _stream = Stream(topic, payload);
        _streamKb = Stream(topic, payloadKb);
    }

    /// <summary>1,000 packets as a broker would send them to a publisher and subscriber: PUBLISH and acks mixed, in TCP-segment-sized pieces.</summary>
    private static ReadOnlySequence<byte> Stream(TopicName topic, byte[] payload)
    {
        var all = new ArrayBufferWriter<byte>();
        for (int i = 0; i < StreamPackets; i++)
        {
            ushort id = (ushort)(i % 65535 + 1);
            if (i % 2 == 0) new Publish(topic, payload, QualityOfService.AtLeastOnce, packetId: id).WriteTo(all);
            else new PubAck(id).WriteTo(all);
        }
        var bytes = all.WrittenSpan.ToArray();
        var parts = new List<ReadOnlyMemory<byte>>();
        for (int at = 0; at < bytes.Length; at += SegmentSize)
            parts.Add(bytes.AsMemory(at, Math.Min(SegmentSize, bytes.Length - at)));
        return Chain.Of(parts);
    }

    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        return w.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int EncodePublishQos0()
    {
        _writer.Reset();
        _publishQos0.WriteTo(_writer);
        return _writer.Written;
    }

    [Benchmark]
    public int EncodePublishQos1()
    {
        _writer.Reset();
        _publishQos1.WriteTo(_writer);
        return _writer.Written;
    }

    [Benchmark]
    public int EncodePublishQos0_1KB()
    {
        _writer.Reset();
        _publishQos0Kb.WriteTo(_writer);
        return _writer.Written;
    }

    [Benchmark]
    public int EncodePublishQos1_1KB()
    {
        _writer.Reset();
        _publishQos1Kb.WriteTo(_writer);
        return _writer.Written;
    }

    [Benchmark]
    public int EncodePubAck()
    {
        _writer.Reset();
        _pubAck.WriteTo(_writer);
        return _writer.Written;
    }

    [Benchmark]
    public long DecodePublish()
    {
        var buffer = _publishBytes;
        MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame);
        var p = Publish.Read(frame, MqttProtocolVersion.V311);
        return p.PacketId + p.Payload.Length;
    }

    [Benchmark]
    public long DecodePublish1KB()
    {
        var buffer = _publishKbBytes;
        MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame);
        var p = Publish.Read(frame, MqttProtocolVersion.V311);
        return p.PacketId + p.Payload.Length;
    }

    [Benchmark]
    public int DecodePubAck()
    {
        var buffer = _pubAckBytes;
        MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame);
        return PubAck.Read(frame, MqttProtocolVersion.V311).PacketId;
    }

    [Benchmark(OperationsPerInvoke = StreamPackets)]
    public long DecodeStream1000In1460ByteSegments() => DecodeStream(_stream);

    [Benchmark(OperationsPerInvoke = StreamPackets)]
    public long DecodeStream1000In1460ByteSegments_1KB() => DecodeStream(_streamKb);

    private static long DecodeStream(ReadOnlySequence<byte> buffer)
    {
        long sum = 0;
        while (MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame))
        {
            sum += frame.Type == PacketType.Publish
                ? Publish.Read(frame, MqttProtocolVersion.V311).PacketId
                : PubAck.Read(frame, MqttProtocolVersion.V311).PacketId;
        }
        return sum;
    }

    /// <summary>A fixed array-backed writer that is reset between operations, so encoding allocates nothing.</summary>
    internal sealed class FixedBufferWriter(int capacity) : IBufferWriter<byte>
    {
        private readonly byte[] _buffer = new byte[capacity];
        public byte[] Buffer => _buffer;
        public int Written { get; private set; }
        public void Reset() => Written = 0;
        public void Advance(int count) => Written += count;
        public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(Written);
        public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(Written);
    }

    internal sealed class Chain : ReadOnlySequenceSegment<byte>
    {
        private Chain(ReadOnlyMemory<byte> memory, long index) { Memory = memory; RunningIndex = index; }

        public static ReadOnlySequence<byte> Of(IReadOnlyList<ReadOnlyMemory<byte>> parts)
        {
            var first = new Chain(parts[0], 0);
            var last = first;
            for (int i = 1; i < parts.Count; i++)
            {
                var next = new Chain(parts[i], last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}

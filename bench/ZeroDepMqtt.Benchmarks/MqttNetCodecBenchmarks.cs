using System.Buffers;
using BenchmarkDotNet.Attributes;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// The same encodes and decodes as <see cref="CodecBenchmarks"/>, through MQTTnet 5's public packet formatter
/// (<see cref="MqttPacketFormatterAdapter"/> at 3.1.1, the path its client uses), for comparison.
/// Differences to keep in mind: MQTTnet's Encode leaves the payload as a separate segment that its channel writes
/// after the header (ours copies it into the connection's buffer), its Decode takes a body already cut out of the
/// stream (ours finds the frame as well), and it returns a new packet object each time.
/// </summary>
[MemoryDiagnoser]
public class MqttNetCodecBenchmarks
{
    private const string Topic = "devices/demo_001/messages/events/";
    private readonly MqttPacketFormatterAdapter _formatter = new(MqttProtocolVersion.V311, new MqttBufferWriter(4096, 65535));
    private MqttPublishPacket _publishQos0 = null!, _publishQos1 = null!, _publishQos0Kb = null!, _publishQos1Kb = null!;
    private readonly MqttPubAckPacket _pubAck = new() { PacketIdentifier = 4242 };
    private ReceivedMqttPacket _publishBytes, _publishKbBytes, _pubAckBytes;

    [GlobalSetup]
    public void Setup()
    {
        var payload = new byte[64];
        new Random(1).NextBytes(payload);
        var payloadKb = new byte[1024];
        new Random(2).NextBytes(payloadKb);
        _publishQos0 = Publish(payload, MqttQualityOfServiceLevel.AtMostOnce, 0);
        _publishQos1 = Publish(payload, MqttQualityOfServiceLevel.AtLeastOnce, 17);
        _publishQos0Kb = Publish(payloadKb, MqttQualityOfServiceLevel.AtMostOnce, 0);
        _publishQos1Kb = Publish(payloadKb, MqttQualityOfServiceLevel.AtLeastOnce, 17);
        _publishBytes = Received(_publishQos1);
        _publishKbBytes = Received(_publishQos1Kb);
        _pubAckBytes = Received(_pubAck);
    }

    private static MqttPublishPacket Publish(byte[] payload, MqttQualityOfServiceLevel qos, ushort id) => new()
    {
        Topic = Topic,
        Payload = new ReadOnlySequence<byte>(payload),
        QualityOfServiceLevel = qos,
        PacketIdentifier = id,
    };

    /// <summary>A packet as MQTTnet's channel hands it to the formatter: first byte, body, total length.</summary>
    private ReceivedMqttPacket Received(MqttPacket packet)
    {
        byte[] bytes = _formatter.Encode(packet).ToArray();
        _formatter.Cleanup();
        int headerLength = 2;
        while ((bytes[headerLength - 1] & 0x80) != 0) headerLength++;
        return new ReceivedMqttPacket(bytes[0], new ArraySegment<byte>(bytes, headerLength, bytes.Length - headerLength), bytes.Length);
    }

    private int Encode(MqttPacket packet)
    {
        int length = _formatter.Encode(packet).Length;
        _formatter.Cleanup();   // as MQTTnet's channel adapter does after each send
        return length;
    }

    [Benchmark] public int EncodePublishQos0() => Encode(_publishQos0);
    [Benchmark] public int EncodePublishQos1() => Encode(_publishQos1);
    [Benchmark] public int EncodePublishQos0_1KB() => Encode(_publishQos0Kb);
    [Benchmark] public int EncodePublishQos1_1KB() => Encode(_publishQos1Kb);
    [Benchmark] public int EncodePubAck() => Encode(_pubAck);

    [Benchmark]
    public long DecodePublish()
    {
        var p = (MqttPublishPacket)_formatter.Decode(_publishBytes);
        return p.PacketIdentifier + p.Payload.Length;
    }

    [Benchmark]
    public long DecodePublish1KB()
    {
        var p = (MqttPublishPacket)_formatter.Decode(_publishKbBytes);
        return p.PacketIdentifier + p.Payload.Length;
    }

    [Benchmark]
    public int DecodePubAck() => ((MqttPubAckPacket)_formatter.Decode(_pubAckBytes)).PacketIdentifier;
}

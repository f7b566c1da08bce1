using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Sink;
using ZeroDepMqtt.Sink.Shaping;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// Issue 14's measure: a 64-byte JSON object per message, published at QoS 0 through the sans-I/O session (accept,
/// encode, completion event), plain (fixed topic, payload as given) against shaped (topic <c>devices/{{.device}}/t</c>
/// resolved per message and <c>fields</c> keeping two of five fields). Sixteen devices rotate, so the topic cache sees
/// a gateway's pattern. The session path leaves out threads and syscalls, so the ratio here is a worst case for the
/// shaping share; bench/README.md sets it against the whole client's CPU per message too.
/// </summary>
[MemoryDiagnoser]
public class ShapingBenchmarks
{
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(1);
    private readonly CodecBenchmarks.FixedBufferWriter _writer = new(4096);
    private ClientSession _session = null!;
    private TopicName _topic;
    private MessageShaper _shaper = null!;
    private byte[][] _messages = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _messages = [.. Enumerable.Range(0, 16).Select(Message)];
        _topic = TopicName.Create("devices/all/t");
        var config = MqttSinkConfig.Parse("""{"server": "tcp://127.0.0.1:1883", "protocolVersion": "3.1.1", "topic": "devices/{{.device}}/t", "fields": ["device", "t"]}""");
        _shaper = config.GetSettingsOrThrow().Shaper ?? throw new InvalidOperationException("no shaper");
        _session = new ClientSession(new ClientSessionOptions { ClientId = "bench", MaxInFlight = 256 });
        _session.ConnectionUp(TimeSpan.Zero);
        _writer.Reset();
        _session.WriteOutgoing(_writer, TimeSpan.Zero);
        var connack = new ReadOnlySequence<byte>([0x20, 0x02, 0x00, 0x00]);
        MqttFrameReader.TryRead(ref connack, MqttFrameReader.DefaultMaxPacketSize, out var frame);
        _session.Receive(frame, Now, out _);
        while (_session.TryGetEvent(out _)) { }
    }

    // {"device":"dev-07","t":21.5,"h":48.25,"ts":1733097600123,"ok":true} trimmed or padded to 64 bytes.
    private static byte[] Message(int i)
    {
        string json = $"{{\"device\":\"dev-{i:00}\",\"t\":2{i % 10}.5,\"h\":48.25,\"ts\":1733097600123,\"ok\":1}}";
        string padded = json.Length < 64 ? json[..^1] + ",\"p\":\"" + new string('x', 64 - json.Length - 7) + "\"}" : json;
        var bytes = Encoding.UTF8.GetBytes(padded);
        if (bytes.Length != 64) throw new InvalidOperationException($"message is {bytes.Length} bytes: {padded}");
        return bytes;
    }

    private byte[] NextMessage() => _messages[_next++ & 15];

    [Benchmark(Baseline = true)]
    public int Plain() => Publish(_topic, NextMessage());

    [Benchmark]
    public int ShapeOnly() => _shaper.Shape(NextMessage()).Count;

    /// <summary>The same without the flat-object lane: the node index, then the topic and the projection searched in it.</summary>
    [Benchmark]
    public int ShapeOnlyGeneralPath() => _shaper.Shape(NextMessage(), flatLane: false).Count;

    [Benchmark]
    public int ShapedDynamicTopicAndFields()
    {
        var input = NextMessage();
        var results = _shaper.Shape(input);
        ref var e = ref results[0];
        return Publish(e.Topic, results.Payloads.WrittenMemory.Slice(e.Start, e.Length));
    }

    private int Publish(TopicName topic, ReadOnlyMemory<byte> payload)
    {
        _session.TryPublish(topic, payload, QualityOfService.AtMostOnce, retain: false, state: null);
        _writer.Reset();
        int n = _session.WriteOutgoing(_writer, Now);
        while (_session.TryGetEvent(out _)) n++;
        return n;
    }
}

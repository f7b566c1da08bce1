using System.IO.Compression;
using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Sink.Tests.Cli;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>The real <c>zdmqtt publish</c> process with shaping options, against the plain Mosquitto fixture.</summary>
[Collection(BrokerCollections.Plain)]
public sealed class ShapingEndToEndTests(PlainMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private MosquittoBroker Broker => fixture.Broker;

    private void Config(string name, string options)
        => files.Write(name, $$"""{"server": "tcp://{{Broker.Host}}:{{Broker.Port}}", "protocolVersion": "3.1.1", "qos": 1, {{options}}}""");

    [Fact]
    public async Task Dynamic_topics_sendSingle_and_fields_publish_and_bad_lines_fail_alone_with_their_line_numbers()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(Broker, "e2e/shape/#", qos: 1);
            Config("shape.json", """ "topic": "e2e/shape/{{.device}}", "sendSingle": true, "fields": ["t", "device"] """);
            string input = string.Join('\n',
                """[{"device": "d1", "t": 20.5, "noise": 1}, {"device": "d2", "t": 21}]""",
                "this is not json",
                """{"t": 22}""",
                """{"device": "d3", "t": 23, "x": [1]}""") + "\n";
            var run = await Zdmqtt.ProcessAsync(files.Dir, input, "publish", "--config", "shape.json");

            Assert.True(run.Code == 1, run.ToString());
            Assert.Contains("line 2 not published: the message is not valid JSON", run.Err);
            Assert.Contains("line 3 not published: topic", run.Err);
            Assert.Contains("2 input line(s) failed", run.Err);
            var received = await sub.WaitForAsync(3, TimeSpan.FromSeconds(20));
            Assert.Equal(
                [("e2e/shape/d1", """{"t":20.5,"device":"d1"}"""), ("e2e/shape/d2", """{"t":21,"device":"d2"}"""), ("e2e/shape/d3", """{"t":23,"device":"d3"}""")],
                received.Select(m => (m.Topic, Encoding.UTF8.GetString(m.Payload))));
        });
    }

    [Fact]
    public async Task Batches_are_json_arrays_and_gzip_payloads_decompress_to_them()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(Broker, "e2e/batch", qos: 1);
            Config("batch.json", """ "topic": "e2e/batch", "batchSize": 2, "compression": "gzip", "dataTemplate": "{\"v\":{{.n}}}" """);
            var run = await Zdmqtt.ProcessAsync(files.Dir, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", "publish", "--config", "batch.json");

            Assert.True(run.Code == 0, run.ToString());
            var received = await sub.WaitForAsync(2, TimeSpan.FromSeconds(20));
            Assert.Equal(["""[{"v":1},{"v":2}]""", """[{"v":3}]"""], received.Select(m => Gunzip(m.Payload)));
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Shaped_publishes_kept_outstanding_arrive_in_order_each_with_its_own_payload(int qos)
    {
        // Thousands outstanding at once (QoS 1: Mosquitto's window holds 20, the rest queue in the client), payloads
        // from a few bytes to more than the 64 KiB arena chunk: a shaped payload the client still reads must never be
        // overwritten by a later message's.
        await output.OnFailureAsync(Broker, async () =>
        {
            string topic = $"e2e/outstanding/q{qos}";
            await using var sub = await MosquittoSub.StartAsync(Broker, topic + "/#", qos: 1);
            var settings = MqttSinkConfig.Parse($$$"""{"server": "tcp://{{{Broker.Host}}}:{{{Broker.Port}}}", "qos": {{{qos}}}, "topic": "{{{topic}}}/{{.device}}", "fields": ["i", "pad"]}""").GetSettingsOrThrow();
            await using var sink = new MqttSink(settings);
            await sink.StartAsync();

            const int count = 3000;
            string Pad(int i) => new((char)('a' + i % 26), i % 500 == 7 ? 70_000 : i % 37);
            var publishes = new List<Task>(count);
            for (int i = 0; i < count; i++)
                publishes.Add(sink.PublishAsync($$"""{"device": "d{{i % 5}}", "i": {{i}}, "pad": "{{Pad(i)}}", "x": 1}""").AsTask());
            await Task.WhenAll(publishes);
            var completion = await sink.CompleteAsync();

            Assert.Equal(count, completion.Sent);
            var received = await sub.WaitForAsync(count, TimeSpan.FromSeconds(60));
            Assert.Equal(
                Enumerable.Range(0, count).Select(i => ($"{topic}/d{i % 5}", $$"""{"i":{{i}},"pad":"{{Pad(i)}}"}""")),
                received.Select(m => (m.Topic, Encoding.UTF8.GetString(m.Payload))));
        });
    }

    [Fact]
    public async Task The_sink_api_fails_an_unshapeable_message_alone_and_counts_rejected_and_omitted()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(Broker, "e2e/api/#", qos: 1);
            var settings = MqttSinkConfig.Parse($$$"""{"server": "tcp://{{{Broker.Host}}}:{{{Broker.Port}}}", "qos": 1, "topic": "e2e/api/{{.id}}", "omitIfEmpty": true, "excludeFields": ["secret", "id"]}""").GetSettingsOrThrow();
            await using var sink = new MqttSink(settings);
            await sink.StartAsync();

            var bad = await Assert.ThrowsAsync<MqttSinkException>(async () => await sink.PublishAsync("{not json"));
            Assert.Equal(SinkErrorKind.InvalidMessage, bad.Kind);
            await sink.PublishAsync("""{"id": "x", "secret": 1}"""); // empty after excludeFields: omitted
            await sink.PublishAsync("""{"id": "a", "v": 1, "secret": 2}""");
            var completion = await sink.CompleteAsync();

            Assert.Equal(1, sink.Rejected);
            Assert.Equal(1, sink.Omitted);
            Assert.Equal(1, completion.Acknowledged);
            var m = Assert.Single(await sub.WaitForAsync(1, TimeSpan.FromSeconds(20)));
            Assert.Equal(("e2e/api/a", """{"v":1}"""), (m.Topic, Encoding.UTF8.GetString(m.Payload)));
        });
    }

    private static string Gunzip(byte[] payload)
    {
        using var gzip = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Sink.Tests.Cli;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>Shaped inputs handed over many at a time (<see cref="MqttSink.PublishManyAsync(ReadOnlyMemory{ReadOnlyMemory{byte}}, Action{int, string}?, CancellationToken)"/>,
/// and <c>zdmqtt publish</c>'s batched mode), against the plain Mosquitto fixture: the inputs that shape arrive in
/// order with their dynamic topics, each one that does not fails alone, named, and counted.</summary>
[Collection(BrokerCollections.Plain)]
public sealed class ShapedBatchEndToEndTests(PlainMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private MosquittoBroker Broker => fixture.Broker;

    // Input i: device d{i % 5}, a pad from empty to more than the batch's 64 KiB chunk; every 97th is not JSON, every
    // 89th has no device (its topic does not resolve), every 83rd is empty after the fields (omitted).
    private static string Input(int i) => i % 97 == 3 ? "not json {"
        : i % 89 == 5 ? $$"""{"i": {{i}}}"""
        : i % 83 == 7 ? $$"""{"device": "d{{i % 5}}", "other": 1}"""
        : $$"""{"device": "d{{i % 5}}", "i": {{i}}, "pad": "{{Pad(i)}}", "x": 1}""";

    private static string Pad(int i) => new((char)('a' + i % 26), i % 500 == 11 ? 70_000 : i % 37);

    private static bool Rejected(int i) => i % 97 == 3 || i % 89 == 5;

    private static bool Omitted(int i) => !Rejected(i) && i % 83 == 7;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_shaped_batch_delivers_the_inputs_that_shape_in_order_and_names_each_one_that_does_not(int qos)
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            string topic = $"e2e/shapedbatch/q{qos}";
            await using var sub = await MosquittoSub.StartAsync(Broker, topic + "/#", qos: 2);
            var settings = MqttSinkConfig.Parse($$$"""{"server": "tcp://{{{Broker.Host}}}:{{{Broker.Port}}}", "qos": {{{qos}}}, "topic": "{{{topic}}}/{{.device}}", "fields": ["i", "pad"], "omitIfEmpty": true}""").GetSettingsOrThrow();
            await using var sink = new MqttSink(settings);
            await sink.StartAsync();
            Assert.True(sink.PublishesBatches);

            const int count = 3000, batch = 250;
            var inputs = Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(Input(i))).ToArray();
            var rejected = new List<(int Input, string Reason)>();
            var batches = new List<Task>();
            for (int at = 0; at < count; at += batch)
            {
                int first = at;
                batches.Add(sink.PublishManyAsync(inputs.AsMemory(at, batch), (n, reason) => rejected.Add((first + n, reason))).AsTask());
            }
            await Task.WhenAll(batches).WaitAsync(TimeSpan.FromSeconds(60));
            var completion = await sink.CompleteAsync();

            var expected = Enumerable.Range(0, count).Where(i => !Rejected(i) && !Omitted(i)).ToList();
            Assert.Equal(Enumerable.Range(0, count).Where(Rejected), rejected.Select(r => r.Input));
            Assert.All(rejected, r => Assert.Contains(r.Input % 97 == 3 ? "not valid JSON" : "topic", r.Reason));
            Assert.Equal(rejected.Count, sink.Rejected);
            Assert.Equal(Enumerable.Range(0, count).Count(Omitted), sink.Omitted);
            Assert.Equal(expected.Count, completion.Sent);
            Assert.True(completion.AllAcknowledged, completion.Reason);
            var received = await sub.WaitForAsync(expected.Count, TimeSpan.FromSeconds(60));
            Assert.Equal(
                expected.Select(i => ($"{topic}/d{i % 5}", $$"""{"i":{{i}},"pad":"{{Pad(i)}}"}""")),
                received.Select(m => (m.Topic, Encoding.UTF8.GetString(m.Payload))));
        });
    }

    [Fact]
    public async Task Without_a_callback_the_batch_task_reports_the_rejected_inputs_after_the_rest_was_delivered()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(Broker, "e2e/shapedbatch/nocb/#", qos: 1);
            var settings = MqttSinkConfig.Parse($$$"""{"server": "tcp://{{{Broker.Host}}}:{{{Broker.Port}}}", "qos": 1, "topic": "e2e/shapedbatch/nocb/{{.d}}", "sendSingle": true, "compression": "gzip"}""").GetSettingsOrThrow();
            await using var sink = new MqttSink(settings);
            await sink.StartAsync();
            ReadOnlyMemory<byte>[] inputs = [.. new[] { """{"d": "a", "v": 1}""", "nope", """[{"d": "b"}, {"v": 2}, {"d": "c"}]""" }.Select(s => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(s))];

            var e = await Assert.ThrowsAsync<MqttSinkException>(async () => await sink.PublishManyAsync(inputs));
            Assert.Equal(SinkErrorKind.InvalidMessage, e.Kind);
            Assert.Contains("2 inputs could not be shaped; first: input 1:", e.Message);
            Assert.Equal(2, sink.Rejected);   // "nope", and the array's element without d
            var received = await sub.WaitForAsync(3, TimeSpan.FromSeconds(20));
            Assert.Equal(["e2e/shapedbatch/nocb/a", "e2e/shapedbatch/nocb/b", "e2e/shapedbatch/nocb/c"], received.Select(m => m.Topic));
        });
    }

    [Fact]
    public async Task Zdmqtt_publish_batches_shaped_lines_and_reports_each_failed_line_by_number()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            // More lines than one batch (512), so failures fall in several batches.
            const int count = 1500;
            await using var sub = await MosquittoSub.StartAsync(Broker, "e2e/shapedcli/#", qos: 1);
            files.Write("shapedcli.json", $$$"""{"server": "tcp://{{{Broker.Host}}}:{{{Broker.Port}}}", "qos": 1, "topic": "e2e/shapedcli/{{.device}}", "fields": ["i", "pad"], "omitIfEmpty": true}""");
            string input = string.Join('\n', Enumerable.Range(0, count).Select(Input)) + "\n";
            var run = await Zdmqtt.ProcessAsync(files.Dir, input, "publish", "--config", "shapedcli.json");

            var expected = Enumerable.Range(0, count).Where(i => !Rejected(i) && !Omitted(i)).ToList();
            int rejected = Enumerable.Range(0, count).Count(Rejected), omitted = Enumerable.Range(0, count).Count(Omitted);
            Assert.True(run.Code == 1, run.ToString());
            foreach (int i in Enumerable.Range(0, count).Where(Rejected))
                Assert.Contains($"line {i + 1} not published: {(i % 97 == 3 ? "the message is not valid JSON" : "topic")}", run.Err);
            Assert.Equal(rejected, run.Err.Split('\n').Count(l => l.StartsWith("zdmqtt: line ", StringComparison.Ordinal)));
            // The counts add up: acknowledged + failed lines + omitted = lines read.
            Assert.Equal(count, expected.Count + rejected + omitted);
            Assert.Contains($"zdmqtt: {expected.Count} message(s) published to \"e2e/shapedcli/{{{{.device}}}}\" at QoS 1, all acknowledged", run.Err);
            Assert.Contains($"{rejected} input line(s) failed", run.Err);
            Assert.Contains($"{omitted} empty result(s) omitted", run.Err);
            var received = await sub.WaitForAsync(expected.Count, TimeSpan.FromSeconds(60));
            Assert.Equal(
                expected.Select(i => ($"e2e/shapedcli/d{i % 5}", $$"""{"i":{{i}},"pad":"{{Pad(i)}}"}""")),
                received.Select(m => (m.Topic, Encoding.UTF8.GetString(m.Payload))));
        });
    }
}

using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Transport;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Publishing;

/// <summary>The sink API against real brokers: delivery, the protocol on the wire, completion summaries.</summary>
public sealed class MqttSinkTests(ITestOutputHelper output)
{
    private static SinkSettings Settings(MosquittoBroker broker, string extra)
        => MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", {{extra}}}""").GetSettingsOrThrow();

    [Theory]
    [InlineData(null, "p1")]
    [InlineData("3.1", "p1")]
    [InlineData("3", "p1")]
    [InlineData("3.1.1", "p2")]
    [InlineData("4", "p2")]
    public async Task Protocol_version_on_the_wire(string? version, string expected)
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            string clientId = $"proto-{(version ?? "default").Replace('.', '_')}";
            string versionOption = version is null ? "" : $", \"protocolVersion\": \"{version}\"";
            await using var sink = new MqttSink(Settings(broker, $$"""  "topic": "proto", "clientId": "{{clientId}}"{{versionOption}}"""));
            await sink.StartAsync();
            await broker.WaitForLogAsync($"as {clientId} ({expected}, c0, k60)", TimeSpan.FromSeconds(5));
        });
    }

    [Fact]
    public async Task Many_outstanding_qos1_publishes_all_arrive_in_order_and_the_summary_counts_them()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(broker, "sink/many", qos: 1);
            await using var sink = new MqttSink(Settings(broker, """ "topic": "sink/many", "qos": 1"""));
            await sink.StartAsync();
            const int count = 2000;
            var payloads = Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes($"m{i}")).ToArray();
            var publishes = payloads.Select(p => sink.PublishAsync(p).AsTask()).ToArray();
            await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(30));
            var summary = await sink.CompleteAsync();

            Assert.Equal(new SinkCompletion(count, count, 0, null) { CleanDisconnect = true, QoS2Window = 20 }, summary);   // the default window, never lowered
            Assert.True(summary.AllAcknowledged);
            Assert.Same(summary, sink.Completion);
            var received = await sub.WaitForAsync(count, TimeSpan.FromSeconds(20));
            Assert.Equal(payloads, received.Select(m => m.Payload));
        });
    }

    [Fact]
    public async Task Batches_arrive_in_order_between_single_publishes_and_a_batching_shaped_sink_refuses_them()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(broker, "sink/batches", qos: 2);
            await using var sink = new MqttSink(Settings(broker, """ "topic": "sink/batches", "qos": 2"""));
            await sink.StartAsync();
            Assert.True(sink.PublishesBatches);
            var payloads = Enumerable.Range(0, 1000).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"m{i}")).ToArray();
            var tasks = new List<Task>();
            for (int at = 0; at < payloads.Length; at += 100)
            {
                tasks.Add(sink.PublishManyAsync(payloads.AsMemory(at, 99)).AsTask());
                tasks.Add(sink.PublishAsync(payloads[at + 99]).AsTask());
            }
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
            var summary = await sink.CompleteAsync();
            Assert.Equal(1000, summary.Acknowledged);
            var received = await sub.WaitForAsync(1000, TimeSpan.FromSeconds(20));
            Assert.Equal(payloads.Select(p => p.ToArray()), received.Select(m => m.Payload));

            // batchSize gathers shaped results into messages of its own: no client batch there.
            await using var shaping = new MqttSink(Settings(broker, """ "topic": "sink/batches", "fields": ["t"], "batchSize": 2"""));
            await shaping.StartAsync();
            Assert.False(shaping.PublishesBatches);
            Assert.Throws<InvalidOperationException>(() => { _ = shaping.PublishManyAsync(payloads.AsMemory(0, 1)); });
        });
    }

    [Fact]
    public async Task String_payloads_are_utf8_and_retained_flag_is_applied()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            await using (var sink = new MqttSink(Settings(broker, """ "topic": "sink/retained", "qos": 2, "retained": true""")))
            {
                await sink.StartAsync();
                await sink.PublishAsync("température ✓");
            }
            // Subscribing after the publish: only a retained message arrives.
            await using var sub = await MosquittoSub.StartAsync(broker, "sink/retained", qos: 1);
            var received = await sub.WaitForAsync(1, TimeSpan.FromSeconds(10));
            Assert.Equal("température ✓", Encoding.UTF8.GetString(received[0].Payload));
        });
    }

    [Fact]
    public async Task Qos1_messages_published_while_the_broker_is_down_arrive_when_it_is_back()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Persistence = true });
        await output.OnFailureAsync(broker, async () =>
        {
            // A durable subscription, saved by the clean stop below, collects what arrives while no subscriber runs.
            await using (await MosquittoSub.StartAsync(broker, "sink/outage", qos: 1, clientId: "outage-sub", persistentSession: true)) { }
            await using var sink = new MqttSink(Settings(broker, """ "topic": "sink/outage", "qos": 1"""));
            await sink.StartAsync();
            await sink.PublishAsync("before");
            await broker.StopAsync();
            var during = Enumerable.Range(0, 50).Select(i => sink.PublishAsync($"during-{i}").AsTask()).ToArray();
            Assert.DoesNotContain(during, t => t.IsCompleted);
            await broker.StartAgainAsync();
            await Task.WhenAll(during).WaitAsync(TimeSpan.FromSeconds(30));
            var summary = await sink.CompleteAsync();
            Assert.Equal(51, summary.Acknowledged);
            Assert.Equal(0, summary.Unacknowledged);

            await using var sub = await MosquittoSub.StartAsync(broker, "sink/outage", qos: 1, clientId: "outage-sub", persistentSession: true);
            var received = await sub.WaitForAsync(51, TimeSpan.FromSeconds(10));
            Assert.Equal(["before", .. Enumerable.Range(0, 50).Select(i => $"during-{i}")], received.Select(m => Encoding.UTF8.GetString(m.Payload)));
        });
    }

    [Fact]
    public async Task Dispose_with_the_broker_gone_reports_the_unacknowledged_count_and_does_not_throw()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            var sink = new MqttSink(Settings(broker, """ "topic": "sink/gone", "qos": 1"""),
                new MqttSinkRuntimeOptions { DisconnectTimeout = TimeSpan.FromMilliseconds(300) });
            await sink.StartAsync();
            await sink.PublishAsync("acknowledged");
            await broker.Kill9Async();
            var pending = Enumerable.Range(0, 5).Select(i => sink.PublishAsync($"lost-{i}").AsTask()).ToArray();

            await sink.DisposeAsync();

            var summary = Assert.IsType<SinkCompletion>(sink.Completion);
            Assert.Equal(6, summary.Sent);
            Assert.Equal(1, summary.Acknowledged);
            Assert.Equal(5, summary.Unacknowledged);
            Assert.False(summary.AllAcknowledged);
            Assert.False(summary.CleanDisconnect);
            Assert.Contains($"no connection to tcp://127.0.0.1:{broker.Port}", summary.Reason);
            foreach (var p in pending) await Assert.ThrowsAnyAsync<MqttClientException>(() => p);
            await sink.DisposeAsync(); // twice is fine
            Assert.Same(summary, await sink.CompleteAsync());
        });
    }

    [Fact]
    public async Task Unreachable_broker_fails_start_after_the_give_up_time()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var settings = Settings(broker, """ "topic": "t" """);
        await broker.StopAsync();
        await using var sink = new MqttSink(settings, new MqttSinkRuntimeOptions { ConnectGiveUpAfter = TimeSpan.FromMilliseconds(500) });
        var e = await Assert.ThrowsAsync<MqttSinkException>(() => sink.StartAsync().AsTask());
        Assert.Equal(SinkErrorKind.Unreachable, e.Kind);
        Assert.Contains($"could not connect to tcp://127.0.0.1:{broker.Port} within 0.5 s", e.Message);
    }

    [Fact]
    public async Task Refused_connection_is_reported_with_its_meaning()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Users = TestCredentials.Users });
        await using var sink = new MqttSink(Settings(broker, """ "topic": "t", "protocolVersion": "3.1.1" """));
        var e = await Assert.ThrowsAsync<MqttSinkException>(() => sink.StartAsync().AsTask());
        Assert.Equal(SinkErrorKind.Refused, e.Kind);
        Assert.Matches("not authorized|bad user name or password", e.Message);
    }

    [Fact]
    public async Task Publishing_before_start_or_after_completion_is_a_usage_error()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var sink = new MqttSink(Settings(broker, """ "topic": "t" """));
        Assert.Throws<InvalidOperationException>(() => { _ = sink.PublishAsync("early"); });
        await sink.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => sink.StartAsync().AsTask());
        var summary = await sink.CompleteAsync();
        Assert.Equal(0, summary.Sent);
        Assert.Throws<InvalidOperationException>(() => { _ = sink.PublishAsync("late"); });
        await sink.DisposeAsync();
    }
}

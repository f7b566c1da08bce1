using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>
/// With two queues (resendAlterQueue) the forwarder hands nothing to a client without a connection, so that the
/// priority, not the moment of the outage, decides what goes first once it is back; in strict order it goes on
/// filling the client's queue. Through a real Mosquitto that is stopped while the sink is connected.
/// </summary>
public sealed class ForwarderPauseTests(ITestOutputHelper output)
{
    private const int Backlog = 50;

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(null)]
    public async Task While_the_connection_is_lost_two_queues_hand_nothing_to_the_client_and_strict_order_does(int? priority)
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Persistence = true });
        await output.OnFailureAsync(broker, async () =>
        {
            string root = $"pause{priority switch { null => "s", < 0 => "m", 0 => "z", _ => "p" }}";
            string subId = $"{root}-sub";
            await using (await MosquittoSub.StartAsync(broker, $"{root}/#", qos: 1, clientId: subId, persistentSession: true)) { }
            string cache = Directory.CreateTempSubdirectory("zdmqtt-pause-").FullName;
            try
            {
                var settings = MqttSinkConfig.Parse($$"""
                    {"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "{{root}}/live", "qos": 1, "clientId": "{{root}}-sink",
                     "enableCache": true, "cachePath": "{{cache}}", {{(priority is { } p ? $"\"resendAlterQueue\": true, \"resendPriority\": {p}," : "")}}
                     "resendDestination": "{{root}}/resent"}
                    """).GetSettingsOrThrow();
                await using var sink = new MqttSink(settings);
                await sink.StartAsync();
                await sink.PublishAsync("before");
                await Eventually.WaitUntilAsync(() => sink.Acknowledged == 1, TimeSpan.FromSeconds(30), "the first message delivered");

                await broker.StopAsync();
                var diskCache = sink.DiskCache!;
                await Eventually.WaitUntilAsync(() => diskCache.ConnectionDown, TimeSpan.FromSeconds(30), "the sink saw the connection lost");
                int Held() => sink.Client.QueuedCount + sink.Client.InFlightCount;
                for (int i = 1; i <= Backlog; i++) await sink.PublishAsync($"c{i}");
                if (priority is null)
                {
                    // Strict order: the forwarder goes on handing the backlog to the client, which queues it.
                    await Eventually.WaitUntilAsync(() => Held() == Backlog, TimeSpan.FromSeconds(30), "the backlog handed to the client");
                }
                else
                {
                    // Sequence 2 is the first backlog message: once the forwarder waits with it committed, it waits for
                    // the connection alone, and hands on nothing until then.
                    await Eventually.WaitUntilAsync(() => diskCache.ForwarderPausedAt >= 2, TimeSpan.FromSeconds(30), "the forwarder waiting for the connection");
                    Assert.Equal(0, Held());
                }

                await broker.StartAgainAsync();
                await Eventually.WaitUntilAsync(() => sink.IsConnected, TimeSpan.FromSeconds(60), "the sink reconnected");
                var summary = await sink.CompleteAsync();
                Assert.True(summary.Unacknowledged == 0, $"{summary.Unacknowledged} not delivered: {summary.Reason}");
                Assert.Equal(1 + Backlog, summary.Acknowledged);

                await using var sub = await MosquittoSub.StartAsync(broker, $"{root}/#", qos: 1, clientId: subId, persistentSession: true);
                var received = (await sub.WaitForAsync(1 + Backlog, TimeSpan.FromSeconds(30)))
                    .Select(m => (m.Topic, Text: System.Text.Encoding.UTF8.GetString(m.Payload))).Distinct().ToList();
                Assert.Equal(Enumerable.Range(1, Backlog).Select(i => ($"{root}/resent", $"c{i}")), received.Where(m => m.Topic.EndsWith("/resent", StringComparison.Ordinal)));
            }
            finally
            {
                Directory.Delete(cache, recursive: true);
            }
        });
    }
}

using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>resendAlterQueue within one run, through a real Mosquitto: messages accepted while the broker is stopped
/// are cached (re-sent on resendDestination with the indicator, through the cached queue); those accepted once the
/// connection is back are live.</summary>
public sealed class OutageResendTests(ITestOutputHelper output)
{
    private const int Backlog = 60, Live = 5;

    /// <summary>
    /// Connected sink, broker stopped, 60 messages accepted (cached), broker started, 5 live messages accepted once the
    /// sink is connected again. -1: live messages go out before the backlog is finished; 1: after all of it. QoS 1, none
    /// lost. A durable subscription records the order in which the broker received them. resendInterval (150 ms per
    /// re-sent message) stretches the backlog over about 9 s, so that the live messages are accepted while it is sent
    /// (the 5 accepts take milliseconds); the assertion on -1 needs only that. Without resendAlterQueue (null) the
    /// backlog is marked and redirected the same way, in strict input order.
    /// </summary>
    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(null)]
    public async Task Messages_accepted_during_an_outage_are_re_sent_through_the_cached_queue_and_live_ones_keep_their_priority(int? priority)
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Persistence = true });
        await output.OnFailureAsync(broker, async () =>
        {
            string root = $"outage{priority switch { null => "s", < 0 => "m", _ => "p" }}";
            string subId = $"{root}-sub";
            await using (await MosquittoSub.StartAsync(broker, $"{root}/#", qos: 1, clientId: subId, persistentSession: true)) { }
            string cache = Directory.CreateTempSubdirectory("zdmqtt-outage-").FullName;
            try
            {
                var settings = MqttSinkConfig.Parse($$"""
                    {"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "{{root}}/live", "qos": 1, "clientId": "{{root}}-sink",
                     "enableCache": true, "cachePath": "{{cache}}", {{(priority is { } p ? $"\"resendAlterQueue\": true, \"resendPriority\": {p}, \"resendInterval\": 150," : "")}}
                     "resendDestination": "{{root}}/resent", "resendIndicatorField": "resent"}
                    """).GetSettingsOrThrow();
                await using var sink = new MqttSink(settings);
                await sink.StartAsync();
                await sink.PublishAsync("{\"before\":1}");
                await Eventually.WaitUntilAsync(() => sink.Acknowledged == 1, TimeSpan.FromSeconds(30), "the first message delivered");

                await broker.StopAsync();
                await Eventually.WaitUntilAsync(() => sink.DiskCache!.ConnectionDown, TimeSpan.FromSeconds(30), "the sink saw the connection lost");
                var backlog = Enumerable.Range(1, Backlog).Select(i => $"{{\"c\":{i}}}").ToArray();
                foreach (var m in backlog) await sink.PublishAsync(m);

                await broker.StartAgainAsync();
                await Eventually.WaitUntilAsync(() => sink.IsConnected, TimeSpan.FromSeconds(60), "the sink reconnected");
                var live = Enumerable.Range(1, Live).Select(i => $"{{\"l\":{i}}}").ToArray();
                foreach (var m in live) await sink.PublishAsync(m);

                var summary = await sink.CompleteAsync();
                Assert.True(summary.Unacknowledged == 0, $"{summary.Unacknowledged} not delivered: {summary.Reason}");
                Assert.Equal(1 + Backlog + Live, summary.Acknowledged);

                await using var sub = await MosquittoSub.StartAsync(broker, $"{root}/#", qos: 1, clientId: subId, persistentSession: true);
                var received = (await sub.WaitForAsync(1 + Backlog + Live, TimeSpan.FromSeconds(30)))
                    .Select(m => (m.Topic, Text: Encoding.UTF8.GetString(m.Payload))).ToList();
                // QoS 1 may repeat a message: compare first arrivals.
                var first = received.Distinct().ToList();
                output.WriteLine(string.Join(" ", first.Select(m => m.Text)));
                Assert.Equal(backlog.Select(c => c[..^1] + ",\"resent\":true}"), first.Where(m => m.Topic == $"{root}/resent").Select(m => m.Text));
                Assert.Equal(["{\"before\":1}", .. live], first.Where(m => m.Topic == $"{root}/live").Select(m => m.Text));
                int lastLive = first.FindLastIndex(m => m.Topic == $"{root}/live");
                int firstResent = first.FindIndex(m => m.Topic == $"{root}/resent");
                int lastResent = first.FindLastIndex(m => m.Topic == $"{root}/resent");
                if (priority is null)
                    Assert.Equal([(root + "/live", "{\"before\":1}"), .. backlog.Select(c => (root + "/resent", c[..^1] + ",\"resent\":true}")), .. live.Select(l => (root + "/live", l))], first);
                else if (priority < 0) Assert.True(lastLive < lastResent, $"live data first: the last live message arrived at {lastLive}, after the backlog ended at {lastResent}");
                else Assert.True(first.FindIndex(firstResent, m => m.Topic == $"{root}/live") > lastResent, "cached data first: a live message arrived inside the backlog");
            }
            finally
            {
                Directory.Delete(cache, recursive: true);
            }
        });
    }
}

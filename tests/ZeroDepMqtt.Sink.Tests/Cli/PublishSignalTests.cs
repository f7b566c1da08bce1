using System.Text.RegularExpressions;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>SIGTERM and SIGINT stop zdmqtt publish cleanly (issue 11, items 5-6): input reading stops, what is in
/// flight is waited for (bounded), the summary counts exactly what was acknowledged and says the input was not read
/// to its end, and the exit code is 128 + the signal.</summary>
[Collection(BrokerCollections.Plain)]
public sealed class PublishSignalTests(PlainMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private MosquittoBroker Broker => fixture.Broker;

    private string Config(string name, string topic)
    {
        files.Write(name, $$"""{"server": "tcp://{{Broker.Host}}:{{Broker.Port}}", "topic": "{{topic}}", "qos": 1}""");
        return files.PathOf(name);
    }

    [Theory]
    [InlineData(15, 143)]
    [InlineData(2, 130)]
    public async Task A_signal_in_mid_stream_waits_for_what_is_in_flight_and_prints_a_true_summary(int signal, int exitCode)
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            string topic = $"signal/stream/{signal}";
            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            await using var publisher = ZdmqttProcess.Start(files.Dir, "publish", "-c", Config($"signal-{signal}.json", topic));
            int next = 0;
            var deadline = DateTime.UtcNow + Guard;
            while (sub.Messages.Count < 300 && !publisher.HasExited && DateTime.UtcNow < deadline)
                await publisher.WriteLinesAsync(Enumerable.Range(next, 100).Select(i => $"m{i}")).ContinueWith(_ => next += 100);
            publisher.Signal(signal);
            var run = await publisher.WaitAsync(Guard);

            Assert.True(run.Code == exitCode, run.ToString());
            Assert.Equal("", run.Out);
            Assert.Contains("zdmqtt: cancelled (signal): stopped reading the input", run.Err);
            var summary = Regex.Match(run.Err, @"(\d+) message\(s\) to ""[^""]+"" at QoS 1: (\d+) acknowledged, 0 not acknowledged, the rest of the input not read");
            Assert.True(summary.Success, run.ToString());
            // No off-by-one: every message counted was read, sent and acknowledged, and the subscriber got exactly those.
            Assert.Equal(summary.Groups[1].Value, summary.Groups[2].Value);
            int acknowledged = int.Parse(summary.Groups[2].Value);
            await sub.WaitForAsync(acknowledged, TimeSpan.FromSeconds(30));
            Assert.Equal(acknowledged, sub.Messages.Count);
        });
    }

    [Fact]
    public async Task Sigint_interrupts_a_blocked_read_of_stdin()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            const string topic = "signal/blocked";
            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            await using var publisher = ZdmqttProcess.Start(files.Dir, "publish", "-c", Config("signal-blocked.json", topic));
            await publisher.WriteLinesAsync(["one", "two", "three"]);
            await sub.WaitForAsync(3, TimeSpan.FromSeconds(30));
            // stdin stays open and empty: the read is blocked when the signal comes.
            publisher.Signal(2);
            var run = await publisher.WaitAsync(Guard);

            Assert.True(run.Code == 130, run.ToString());
            Assert.Contains("3 message(s) to \"signal/blocked\" at QoS 1: 3 acknowledged, 0 not acknowledged, the rest of the input not read", run.Err);
        });
    }
}

using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>When zdmqtt publish gives up connecting while an attempt is still under way, it names the last attempt that
/// failed, not "no connection attempt finished": giving up disposes the client, which ends that attempt without an error.</summary>
public sealed class PublishGiveUpMessageTests(TestFiles files) : IClassFixture<TestFiles>
{
    [Fact]
    public async Task Giving_up_during_an_attempt_reports_the_error_of_the_attempt_before()
    {
        await using var broker = new ScriptedBroker();
        using var stop = new CancellationTokenSource();
        var held = new List<ScriptedConnection>();
        var serving = Task.Run(async () =>
        {
            // The first connection is closed right after its CONNECT (an error the client records); every later one
            // is held open and never answered, so an attempt is under way when the give-up time comes.
            var first = await broker.AcceptConnectAsync(TimeSpan.FromSeconds(30));
            first.Dispose();
            while (!stop.IsCancellationRequested)
            {
                var next = await broker.AcceptConnectAsync(TimeSpan.FromSeconds(30));
                lock (held) held.Add(next);
            }
        });
        files.Write("pub-giveup.json", $$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "t", "qos": 1}""");
        var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", files.PathOf("pub-giveup.json"), "--give-up-after", "4");
        stop.Cancel();

        Assert.True(run.Code == 3, run.ToString());
        Assert.Contains($"could not connect to tcp://127.0.0.1:{broker.Port} within 4 s", run.Err);
        Assert.DoesNotContain("no connection attempt finished", run.Err);
        Assert.Contains("closed", run.Err);   // the first attempt's end: the broker closed the connection
        Assert.DoesNotContain("   at ", run.All);
        lock (held) Assert.NotEmpty(held);   // an attempt was under way at the give-up time
    }
}

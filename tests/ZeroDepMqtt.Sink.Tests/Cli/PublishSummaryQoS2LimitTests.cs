using ZeroDepMqtt.Cli.Verbs;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>The summary names a lowered QoS 2 window and the option that avoids the closes next time.</summary>
public class PublishSummaryQoS2LimitTests
{
    private static readonly SinkSettings Settings = MqttSinkConfig.Parse(
        """{"server": "tcp://127.0.0.1:1883", "topic": "t", "qos": 2, "protocolVersion": "3.1.1"}""").GetSettingsOrThrow();

    private static List<string> Lines(SinkCompletion completion)
        => new PublishSummary(Settings, completion, read: 100, inputEnded: true, inputError: null, firstPublishError: null, TimeSpan.FromSeconds(1)).Lines().ToList();

    [Fact]
    public void A_lowered_window_is_reported_with_the_option_to_set()
    {
        var lines = Lines(new SinkCompletion(100, 100, 0, null) { CleanDisconnect = true, QoS2LimitCloses = 4, QoS2Window = 5 });
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("zdmqtt: 100 message(s) published", lines[0]);
        Assert.Contains("closed the connection 4 time(s) on a QoS 2 PUBLISH", lines[1]);
        Assert.Contains("the QoS 2 window is now 5: run with --qos2-window 5", lines[1]);
    }

    [Fact]
    public void Quick_closes_still_fail_the_run_and_both_readings_are_given()
    {
        // A takeover by another client with this id looks the same at a high QoS 2 rate: the run cannot claim success.
        var completion = new SinkCompletion(100, 100, 0, null) { CleanDisconnect = true, QoS2LimitCloses = 4, QoS2Window = 5, QuickBrokerCloses = 4 };
        var summary = new PublishSummary(Settings, completion, 100, true, null, null, TimeSpan.FromSeconds(1));
        Assert.False(summary.Succeeded);
        var lines = summary.Lines().ToList();
        Assert.Contains(lines, l => l.Contains("--qos2-window 5", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("if another client uses the client id", StringComparison.Ordinal));
    }

    [Fact]
    public void No_limit_close_no_line()
        => Assert.Single(Lines(new SinkCompletion(100, 100, 0, null) { CleanDisconnect = true, QoS2Window = 20 }));
}

using ZeroDepMqtt.Cli.Verbs;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>zdmqtt publish keeps exactly as many lines outstanding as its client takes without waiting (issue 16): more
/// would make every extra line wait for queue room with an object of its own.</summary>
public sealed class PublishWindowSizeTests
{
    [Theory]
    [InlineData(QualityOfService.AtMostOnce, 10_000)]          // QoS 0 is never in flight: the queue only
    [InlineData(QualityOfService.AtLeastOnce, 10_000 + 256)]   // the queue plus the window
    [InlineData(QualityOfService.ExactlyOnce, 10_000 + 20)]    // the queue plus the QoS 2 cap, which lies within the window
    public void The_window_is_the_clients_queue_plus_what_its_qos_lets_into_flight(QualityOfService qos, int expected)
        => Assert.Equal(expected, PublishVerb.WindowFor(qos, new MqttSinkRuntimeOptions()));

    [Fact]
    public void A_QoS_2_cap_above_the_window_counts_only_up_to_the_window()
        => Assert.Equal(10_000 + 256, PublishVerb.WindowFor(QualityOfService.ExactlyOnce, new MqttSinkRuntimeOptions { MaxInFlightQoS2 = 1000 }));
}

using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Sink;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests;

/// <summary>
/// A broker whose QoS 2 limit is below the client's window, and which closes the connection on the PUBLISH over it (as
/// Mosquitto after 2.0.11 does with <c>max_inflight_messages</c>): MQTTnet.Server with that limit added
/// (<see cref="MqttNetBroker.QoS2Limit"/>). The client lowers its QoS 2 window and every message gets through, in order.
/// </summary>
public sealed class QoS2LimitTests(ITestOutputHelper output)
{
    private const int Limit = 5;
    private const int Count = 300;

    [Theory]
    [InlineData(true)]    // the broker forgets every flow: without a lower window each re-send would go over again, forever
    [InlineData(false)]   // the session is kept: PUBREL and DUP PUBLISH re-sends
    [Trait("spec", "MQTT-4.4.0-1")]
    [Trait("spec", "MQTT-4.6.0-1")]
    public async Task The_client_learns_a_lower_QoS2_window_and_every_message_arrives_in_order(bool cleanSession)
    {
        await using var broker = new MqttNetBroker(credentials: null) { QoS2Limit = Limit };
        await broker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            var options = InteropClients.Options(broker, "q2lim") with { CleanSession = cleanSession, MaxInFlightQoS2 = 20 };
            await using var client = await InteropClients.ConnectAsync(options);
            var publishes = Enumerable.Range(0, Count)
                .Select(i => client.PublishAsync("interop/q2limit", System.Text.Encoding.UTF8.GetBytes($"m{i:000}"), QualityOfService.ExactlyOnce).AsTask())
                .ToArray();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60))) await Task.WhenAll(publishes).WaitAsync(timeout.Token);

            output.WriteLine($"window {client.QoS2Window}, {broker.QoS2LimitCloses} close(s) over the limit, "
                + $"{broker.Taken.Values.Sum() - broker.Taken.Count} message(s) taken twice or more");
            Assert.InRange(client.QoS2Window, 1, Limit);
            // Two closes in a row halve the window: 20 -> 10 -> 5 takes four; more would mean it did not learn.
            Assert.InRange(broker.QoS2LimitCloses, 2, 6);
            for (int i = 0; i < Count; i++) Assert.True(broker.Taken.ContainsKey($"m{i:000}"), $"m{i:000} never reached the broker");
            // In order (MQTT-4.6.0-1): each message first reached the broker after every earlier one.
            var firsts = broker.TakenInOrder.Distinct().ToList();
            Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m{i:000}"), firsts);
        });
    }

    /// <summary>
    /// The sink against the same broker: the closes over the limit come right after CONNACK (the re-sends go over at
    /// once), which is also how a takeover by another client with the same id looks. They must lower the window, not
    /// stop the sink as "client id in use"; every message is acknowledged and the completion reports the lowered window.
    /// </summary>
    [Fact]
    public async Task The_sink_is_not_stopped_as_a_takeover_and_reports_the_lowered_window()
    {
        await using var broker = new MqttNetBroker(credentials: null) { QoS2Limit = Limit };
        await broker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            string config = $$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "interop/q2sink", "clientId": "{{InteropClients.NewClientId("q2sink")}}", "protocolVersion": "3.1.1", "qos": 2}""";
            await using var sink = new MqttSink(MqttSinkConfig.Parse(config).GetSettingsOrThrow());
            await sink.StartAsync();
            var publishes = Enumerable.Range(0, Count).Select(i => sink.PublishAsync($"s{i:000}").AsTask()).ToArray();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60))) await Task.WhenAll(publishes).WaitAsync(timeout.Token);
            var done = await sink.CompleteAsync();
            output.WriteLine($"window {done.QoS2Window}, {done.QoS2LimitCloses} limit close(s), {done.QuickBrokerCloses} quick close(s), stopped: {done.StoppedBecause}");
            Assert.True(done.AllAcknowledged, done.Reason);
            Assert.Null(done.StoppedBecause);
            Assert.Equal(Count, done.Acknowledged);
            Assert.InRange(done.QoS2Window, 1, Limit);
            Assert.InRange(done.QoS2LimitCloses, 2, 6);
            for (int i = 0; i < Count; i++) Assert.True(broker.Taken.ContainsKey($"s{i:000}"), $"s{i:000} never reached the broker");
        });
    }
}

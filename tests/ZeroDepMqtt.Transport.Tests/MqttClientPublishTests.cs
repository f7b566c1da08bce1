using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>Publishing through a real Mosquitto, checked by a real subscriber (mosquitto_sub or a second client).</summary>
[Collection(BrokerCollections.Plain)]
public sealed class MqttClientPublishTests(PlainMosquittoFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private MosquittoBroker Broker => fixture.Broker;

    /// <summary>Payload i: its index in 4 bytes, then bytes that trip text handling (NUL, 0xFF, CR LF, a space).</summary>
    private static byte[] Payload(int i) => [(byte)(i >> 24), (byte)(i >> 16), (byte)(i >> 8), (byte)i, 0x00, 0xFF, 0x0D, 0x0A, 0x20, (byte)(i * 7)];

    private static int IndexOf(ReadOnlySpan<byte> payload) => payload[0] << 24 | payload[1] << 16 | payload[2] << 8 | payload[3];

    [Theory]
    [InlineData(MqttProtocolVersion.V310, QualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V310, QualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V310, QualityOfService.ExactlyOnce)]
    [InlineData(MqttProtocolVersion.V311, QualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V311, QualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, QualityOfService.ExactlyOnce)]
    [Trait("spec", "MQTT-4.6.0-6")]
    public Task Published_messages_reach_mosquitto_sub_byte_for_byte_and_in_order(MqttProtocolVersion version, QualityOfService qos) => output.OnFailureAsync(Broker, async () =>
    {
        const int count = 300;
        string topic = $"pub/{version}/{qos}/{Guid.NewGuid():N}";
        await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 2);
        var options = TestClients.Options(Broker, "pub") with { ProtocolVersion = version, CleanSession = true };
        await using var client = await TestClients.ConnectAsync(options);

        var publishes = new List<ValueTask>(count);
        for (int i = 0; i < count; i++) publishes.Add(client.PublishAsync(topic, Payload(i), qos));
        foreach (var p in publishes) await p;
        Assert.Equal(count, client.Metrics.Published);
        Assert.Equal(count, client.Metrics.Acknowledged);

        var received = await sub.WaitForAsync(count, Timeout);
        Assert.Equal(count, received.Count);
        Assert.All(received, m => Assert.Equal(topic, m.Topic));
        // Exact bytes, and the order they were published in (the broker forwards one client's messages on one topic
        // and QoS in order, MQTT-4.6.0-6; for QoS 0 on loopback TCP the order holds too).
        Assert.Equal(Enumerable.Range(0, count).Select(Payload), received.Select(m => m.Payload));

        // connection_messages: p1 is MQTT 3.1 (MQIsdp, level 3), p2 is 3.1.1 (MQTT, level 4).
        string tag = version == MqttProtocolVersion.V310 ? "p1" : "p2";
        Assert.Contains($" as {options.ClientId} ({tag}, c1, k60", Broker.ReadLog());
    });

    [Theory]
    [InlineData(MqttProtocolVersion.V310)]
    [InlineData(MqttProtocolVersion.V311)]
    public Task Retained_message_reaches_a_later_subscriber(MqttProtocolVersion version) => output.OnFailureAsync(Broker, async () =>
    {
        string topic = $"retained/{version}/{Guid.NewGuid():N}";
        byte[] payload = [0x00, 0x01, 0xFE, 0xFF, (byte)'r'];
        await using (var publisher = await TestClients.ConnectAsync(TestClients.Options(Broker, "ret-pub") with { ProtocolVersion = version }))
        {
            await publisher.PublishAsync(topic, payload, QualityOfService.AtLeastOnce, retain: true);
            await publisher.DisconnectAsync();
        }

        await using var subscriber = await TestClients.ConnectAsync(TestClients.Options(Broker, "ret-sub") with { ProtocolVersion = version, CleanSession = true });
        Assert.Equal(QualityOfService.AtLeastOnce, await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce));
        var message = (await subscriber.ReadAsync(1, Timeout))[0];
        Assert.Equal(topic, message.Topic);
        Assert.Equal(payload, message.Payload.ToArray());
        Assert.True(message.Retain, "a retained message sent on subscribe has RETAIN set");

        // Clean up the broker: an empty retained payload deletes it.
        await subscriber.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, QualityOfService.AtLeastOnce, retain: true);
    });

    [Theory]
    [InlineData(MqttProtocolVersion.V311, QualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, QualityOfService.ExactlyOnce)]
    [InlineData(MqttProtocolVersion.V310, QualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V310, QualityOfService.ExactlyOnce)]
    [Trait("spec", "MQTT-4.3.2-2")]
    [Trait("spec", "MQTT-4.3.3-2")]
    [Trait("spec", "MQTT-4.6.0-6")]
    public Task Subscriber_receives_QoS_1_and_2_exactly_once_in_order(MqttProtocolVersion version, QualityOfService qos) => output.OnFailureAsync(Broker, async () =>
    {
        const int count = 500;
        string topic = $"in/{version}/{qos}/{Guid.NewGuid():N}";
        await using var subscriber = await TestClients.ConnectAsync(TestClients.Options(Broker, "in-sub") with { ProtocolVersion = version, CleanSession = true });
        Assert.Equal(qos, await subscriber.SubscribeAsync(topic, qos));
        await using var publisher = await TestClients.ConnectAsync(TestClients.Options(Broker, "in-pub") with { CleanSession = true });

        var publishes = new List<ValueTask>(count + 1);
        for (int i = 0; i < count; i++) publishes.Add(publisher.PublishAsync(topic, Payload(i), qos));
        // A sentinel on the same topic and QoS: it arrives after all of them (MQTT-4.6.0-6), so anything delivered
        // twice would be in the channel before it.
        publishes.Add(publisher.PublishAsync(topic, "end"u8.ToArray(), qos));
        foreach (var p in publishes) await p;

        var received = await subscriber.ReadAsync(count + 1, Timeout);
        Assert.Equal("end"u8.ToArray(), received[^1].Payload.ToArray());
        Assert.Equal(Enumerable.Range(0, count), received.Take(count).Select(m => IndexOf(m.Payload.Span)));
        Assert.All(received, m => Assert.Equal(qos, m.QoS));
        Assert.All(received, m => Assert.Equal(topic, m.Topic));
        Assert.False(subscriber.Messages.TryRead(out var extra), $"delivered after the sentinel: {extra.Topic}");
    });

    [Fact]
    public Task Burst_of_10000_QoS_0_publishes_all_arrive() => output.OnFailureAsync(Broker, async () =>
    {
        const int count = 10_000;
        string topic = $"burst/{Guid.NewGuid():N}";
        await using var subscriber = await TestClients.ConnectAsync(TestClients.Options(Broker, "burst-sub") with { CleanSession = true });
        await subscriber.SubscribeAsync(topic, QualityOfService.AtMostOnce);
        await using var client = await TestClients.ConnectAsync(TestClients.Options(Broker, "burst") with { CleanSession = true });
        long flushesBefore = client.Metrics.Flushes;

        // Issued without awaiting each: the write loop coalesces what piles up while a flush is in progress.
        var publishes = new ValueTask[count];
        byte[] payload = new byte[64];
        for (int i = 0; i < count; i++) publishes[i] = client.PublishAsync(topic, payload);
        foreach (var p in publishes) await p;
        long flushes = client.Metrics.Flushes - flushesBefore;
        // Batching is measured in bench/ (flushes per message depend on the machine's load), only reported here.
        output.WriteLine($"{count} QoS 0 publishes went out in {flushes} flushes ({(double)count / Math.Max(1, flushes):0.#} messages per flush)");

        Assert.Equal(count, (await subscriber.ReadAsync(count, Timeout)).Count);
    });

    [Fact]
    public Task Many_megabytes_keep_flowing_past_the_output_high_water_mark() => output.OnFailureAsync(Broker, async () =>
    {
        // Regression: the send loop once read the batch length after releasing the batch, undercounted what it had
        // sent, and after about a megabyte believed the output full for good: every later publish hung.
        const int count = 20_000;
        string topic = $"volume/{Guid.NewGuid():N}";
        await using var client = await TestClients.ConnectAsync(TestClients.Options(Broker, "volume") with { CleanSession = true });
        var payload = new byte[1024];
        var ring = new ValueTask[512];
        for (int i = 0; i < count; i++)
        {
            await ring[i % ring.Length].AsTask().WaitAsync(Timeout);
            ring[i % ring.Length] = client.PublishAsync(topic, payload, QualityOfService.AtLeastOnce);
        }
        foreach (var p in ring) await p.AsTask().WaitAsync(Timeout);
        Assert.Equal(count, client.Metrics.Acknowledged);
    });
}

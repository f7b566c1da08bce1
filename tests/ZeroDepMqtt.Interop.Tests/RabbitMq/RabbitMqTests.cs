using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests.RabbitMq;

/// <summary>RabbitMQ 3.10's MQTT plugin over TCP and its WebSocket plugin: what works as with the other brokers, and
/// its quirks, each checked (docs/interop.md lists them).</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqTests(RabbitMqFixture fixture, ITestOutputHelper output)
{
    private RabbitMqNode Node => fixture.Node;

    private MqttClientOptions Options(string prefix, bool webSocket, MqttProtocolVersion version = MqttProtocolVersion.V311)
        => InteropClients.Options(Node, prefix, version) with
        {
            Broker = webSocket
                ? BrokerAddress.Parse($"ws://127.0.0.1:{Node.WebSocketPort}{RabbitMqNode.WebSocketPath}")
                : new BrokerAddress("127.0.0.1", Node.Port, useTls: false),
        };

    public static TheoryData<bool, MqttProtocolVersion, QualityOfService> Cases()
    {
        var data = new TheoryData<bool, MqttProtocolVersion, QualityOfService>();
        foreach (bool ws in new[] { false, true })
            foreach (var v in new[] { MqttProtocolVersion.V310, MqttProtocolVersion.V311 })
                foreach (var q in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce })
                    data.Add(ws, v, q);
        return data;
    }

    [RabbitMqTheory]
    [MemberData(nameof(Cases))]
    public Task Messages_arrive_with_exact_bytes_in_order(bool webSocket, MqttProtocolVersion version, QualityOfService qos)
        => output.OnFailureAsync(Node, async () =>
        {
            string topic = InteropClients.NewTopic("rmq");
            await using var subscriber = await InteropClients.ConnectAsync(Options("rsub", webSocket, version));
            await using var publisher = await InteropClients.ConnectAsync(Options("rpub", webSocket, version));
            Assert.Equal(QualityOfService.AtLeastOnce, await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce));
            var payloads = Enumerable.Range(0, 40).Select(i => i == 1 ? Enumerable.Range(0, 200_000).Select(b => (byte)b).ToArray() : new byte[i == 0 ? 0 : i * 7]).ToArray();
            await Task.WhenAll(payloads.Select(p => publisher.PublishAsync(topic, p, qos).AsTask())).WaitAsync(InteropClients.Deadline);
            var received = await subscriber.ReceiveAsync(payloads.Length);
            for (int i = 0; i < payloads.Length; i++)
            {
                Assert.True(payloads[i].AsSpan().SequenceEqual(received[i].Payload.Span), $"message {i} differs");
                Assert.Equal(qos, received[i].QoS);
            }
        });

    [RabbitMqFact]
    public Task Quirk_a_QoS_2_subscription_is_granted_QoS_1()
        => output.OnFailureAsync(Node, async () =>
        {
            await using var client = await InteropClients.ConnectAsync(Options("rq2sub", webSocket: false));
            Assert.Equal(QualityOfService.AtLeastOnce, await client.SubscribeAsync(InteropClients.NewTopic("rmqq2"), QualityOfService.ExactlyOnce));
        });

    [RabbitMqFact]
    [Trait("spec", "MQTT-4.3.3-1")]
    public Task Quirk_a_QoS_2_publish_is_answered_with_PUBACK_and_fails_with_that_reason_without_a_resend_loop()
        => output.OnFailureAsync(Node, async () =>
        {
            // RabbitMQ 3.10 treats a QoS 2 PUBLISH as QoS 1 and answers PUBACK; MQTT 3.1.1 allows only PUBREC
            // (MQTT-4.3.3-1). The publish fails with a reason that says so; the connection stays up (no reconnect and
            // re-send into the same answer) and a QoS 1 publish after it goes through.
            var client = await InteropClients.ConnectAsync(Options("rq2pub", webSocket: false));
            await using var owned = client;
            var lost = new List<MqttCloseReason>();
            client.ConnectionLost += (reason, _) => { lock (lost) lost.Add(reason); };
            MqttClientException? raised = null;
            client.QoS2NotSupported += e => raised = e;
            string topic = InteropClients.NewTopic("rmqq2");
            var error = await Assert.ThrowsAsync<MqttClientException>(
                () => client.PublishAsync(topic, "qos2"u8.ToArray(), QualityOfService.ExactlyOnce).AsTask().WaitAsync(InteropClients.Deadline));
            output.WriteLine(error.Message);
            Assert.Equal(MqttCloseReason.QoS2NotSupported, error.Reason);
            Assert.Contains("answered a QoS 2 PUBLISH with PUBACK: it does not support QoS 2 (RabbitMQ downgrades to QoS 1)", error.Message);
            await client.PublishAsync(topic, "qos1"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask().WaitAsync(InteropClients.Deadline);
            Assert.True(client.IsConnected);
            Assert.Equal(1, client.Metrics.Connections);
            lock (lost) Assert.Empty(lost);
            Assert.NotNull(raised);
        });

    [RabbitMqTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_retained_message_reaches_a_later_subscriber_with_the_retain_flag(bool webSocket)
        => output.OnFailureAsync(Node, async () =>
        {
            string topic = InteropClients.NewTopic("rmqret");
            await using (var publisher = await InteropClients.ConnectAsync(Options("rretp", webSocket)))
                await publisher.PublishAsync(topic, "kept"u8.ToArray(), QualityOfService.AtLeastOnce, retain: true);
            await using var subscriber = await InteropClients.ConnectAsync(Options("rrets", webSocket));
            await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
            var message = (await subscriber.ReceiveAsync(1))[0];
            Assert.Equal("kept"u8.ToArray(), message.Payload.ToArray());
            Assert.True(message.Retain);
        });
}

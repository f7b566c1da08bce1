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
    public Task Quirk_a_QoS_2_publish_is_answered_with_PUBACK_which_the_client_reports_as_a_protocol_error()
        => output.OnFailureAsync(Node, async () =>
        {
            // RabbitMQ 3.10 treats a QoS 2 PUBLISH as QoS 1 and answers PUBACK; MQTT 3.1.1 allows only PUBREC
            // (MQTT-4.3.3-1). The client closes the connection and names the reason; the publish stays pending
            // (each resend meets the same answer) until the client is disposed, which fails it.
            var errors = new List<string>();
            var options = Options("rq2pub", webSocket: false);
            var client = await InteropClients.ConnectAsync(options);
            var firstError = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.ConnectionLost += (reason, error) => { if (reason == MqttCloseReason.ProtocolError) firstError.TrySetResult(error); };
            var publish = client.PublishAsync(InteropClients.NewTopic("rmqq2"), "qos2"u8.ToArray(), QualityOfService.ExactlyOnce).AsTask();
            var error = await firstError.Task.WaitAsync(InteropClients.Deadline);
            output.WriteLine(error?.Message);
            Assert.Contains("PUBACK", error?.Message);
            Assert.Contains("QoS 2", error?.Message);
            Assert.False(publish.IsCompletedSuccessfully);
            await client.DisposeAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => publish.WaitAsync(InteropClients.Deadline));
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

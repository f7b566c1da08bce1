using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Interop.Tests;

/// <summary>A retained message goes to subscribers that come later, flagged RETAIN; live subscribers get it unflagged.</summary>
[Collection(InteropCollections.Anonymous)]
public sealed class RetainTests(AnonymousBrokersFixture brokers, ITestOutputHelper output)
{
    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.Brokers), MemberType = typeof(BrokerFactory))]
    [Trait("spec", "MQTT-3.3.1-6")]
    [Trait("spec", "MQTT-3.3.1-9")]
    public async Task Retained_message_reaches_a_later_subscriber(BrokerKind kind)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            string topic = InteropClients.NewTopic("retain");
            byte[] payload = [0x00, 0xFF, 0x10, (byte)'r', 0x00];
            await using var early = await InteropClients.ConnectAsync(InteropClients.Options(broker, "early"));
            await early.SubscribeAsync(topic, QualityOfService.AtLeastOnce);

            await using (var publisher = await InteropClients.ConnectAsync(InteropClients.Options(broker, "pubret")))
            {
                // Completes at PUBACK: the broker has stored the message by then.
                await publisher.PublishAsync(topic, payload, QualityOfService.AtLeastOnce, retain: true);
            }

            var live = Assert.Single(await early.ReceiveAsync(1));
            Assert.False(live.Retain); // MQTT-3.3.1-9: forwarded to an existing subscription without RETAIN
            Assert.Equal(payload, live.Payload.ToArray());

            await using var late = await InteropClients.ConnectAsync(InteropClients.Options(broker, "late"));
            await late.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
            var retained = Assert.Single(await late.ReceiveAsync(1));
            Assert.True(retained.Retain);
            Assert.Equal(topic, retained.Topic);
            Assert.Equal(payload, retained.Payload.ToArray());
            Assert.Equal(QualityOfService.AtLeastOnce, retained.QoS);

            // Clear it (an empty retained message), so the shared broker keeps nothing of this test.
            await late.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, QualityOfService.AtLeastOnce, retain: true);
        });
    }
}

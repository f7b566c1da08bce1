using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Interop.Tests;

/// <summary>SUBACK grants the QoS asked for, in filter order, and delivery uses the lower of published and granted QoS.</summary>
[Collection(InteropCollections.Anonymous)]
public sealed class SubscribeTests(AnonymousBrokersFixture brokers, ITestOutputHelper output)
{
    private const string MqttNetSubAckOrder = "MQTTnet.Server 5.2.0.1603 answers a SUBSCRIBE with several filters in descending QoS order, "
        + "not filter order (MqttClientSubscriptionsManager.Subscribe walks TopicFilters.OrderByDescending(QoS)); breaks MQTT-3.9.3-1";

    private const string AedesWildcardCap = "aedes 1.2.0 caps delivery by the subscription found under the topic name "
        + "(lib/client.js deliverQoS: subscriptions[packet.topic]), so a wildcard filter's granted QoS is not applied; breaks MQTT-3.8.4-6";

    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.Brokers), MemberType = typeof(BrokerFactory))]
    [Trait("spec", "MQTT-3.9.3-1")]
    public async Task Suback_grants_the_requested_qos(BrokerKind kind)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            string root = InteropClients.NewTopic("grant");
            await using var client = await InteropClients.ConnectAsync(InteropClients.Options(broker, "grant"));
            foreach (var qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
                Assert.Equal(qos, await client.SubscribeAsync($"{root}/{(int)qos}/#", qos));
            // Several filters of one QoS in one SUBSCRIBE: one code each.
            Assert.Equal(new byte[] { 1, 1, 1 }, await client.SubscribeAsync(
                [new Subscription($"{root}/a", QualityOfService.AtLeastOnce), new Subscription($"{root}/b/+", QualityOfService.AtLeastOnce), new Subscription($"{root}/c", QualityOfService.AtLeastOnce)]));
        });
    }

    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.Brokers), MemberType = typeof(BrokerFactory))]
    [SkipOn(BrokerKind.MqttNet, MqttNetSubAckOrder)]
    [Trait("spec", "MQTT-3.9.3-1")]
    public async Task Suback_codes_follow_the_filter_order(BrokerKind kind)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            string root = InteropClients.NewTopic("order");
            await using var client = await InteropClients.ConnectAsync(InteropClients.Options(broker, "order"));
            byte[] codes = await client.SubscribeAsync(
            [
                new Subscription($"{root}/q0", QualityOfService.AtMostOnce),
                new Subscription($"{root}/q1", QualityOfService.AtLeastOnce),
                new Subscription($"{root}/q2", QualityOfService.ExactlyOnce),
            ]);
            Assert.Equal(new byte[] { 0, 1, 2 }, codes);
        });
    }

    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.Brokers), MemberType = typeof(BrokerFactory))]
    [Trait("spec", "MQTT-3.8.4-6")]
    public Task Delivery_is_capped_by_the_granted_qos_of_an_exact_filter(BrokerKind kind) => DeliveryIsCappedAsync(kind, wildcard: false);

    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.Brokers), MemberType = typeof(BrokerFactory))]
    [SkipOn(BrokerKind.Aedes, AedesWildcardCap)]
    [Trait("spec", "MQTT-3.8.4-6")]
    public Task Delivery_is_capped_by_the_granted_qos_of_a_wildcard_filter(BrokerKind kind) => DeliveryIsCappedAsync(kind, wildcard: true);

    /// <summary>One QoS 2 publish into each of three branches subscribed at QoS 0, 1 and 2 (one SUBSCRIBE per filter).</summary>
    private async Task DeliveryIsCappedAsync(BrokerKind kind, bool wildcard)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            string root = InteropClients.NewTopic("cap");
            await using var client = await InteropClients.ConnectAsync(InteropClients.Options(broker, "cap"));
            var levels = new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce };
            foreach (var qos in levels)
                Assert.Equal(qos, await client.SubscribeAsync(wildcard ? $"{root}/q{(int)qos}/+" : $"{root}/q{(int)qos}/x", qos));
            foreach (var qos in levels)
                await client.PublishAsync($"{root}/q{(int)qos}/x", new byte[] { (byte)qos }, QualityOfService.ExactlyOnce);
            var received = (await client.ReceiveAsync(3)).ToDictionary(m => m.Topic);
            foreach (var qos in levels) Assert.Equal(qos, received[$"{root}/q{(int)qos}/x"].QoS);
        });
    }
}

using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests;

/// <summary>CONNECT in MQTT 3.1 (<c>MQIsdp</c>, level 3) and 3.1.1 (<c>MQTT</c>, level 4), proven by a QoS 1 round trip
/// over the accepted connection and a clean DISCONNECT.</summary>
[Collection(InteropCollections.Anonymous)]
public sealed class ConnectTests(AnonymousBrokersFixture brokers, ITestOutputHelper output)
{
    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.BrokersAndVersions), MemberType = typeof(BrokerFactory))]
    [Trait("spec", "MQTT-3.1.2-2")]
    public async Task Connects_and_round_trips_in_each_protocol_version(BrokerKind kind, MqttProtocolVersion version)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            var options = InteropClients.Options(broker, "conn", version);
            bool? sessionPresent = null;
            var client = new MqttClient(options);
            client.Connected += present => sessionPresent = present;
            await using (client)
            {
                using var timeout = new CancellationTokenSource(InteropClients.Deadline);
                await client.ConnectAsync(timeout.Token);
                Assert.True(client.IsConnected);
                // A new client id with CleanSession=0: no broker can have a session for it (3.1 has no flag: reads as 0).
                Assert.False(sessionPresent);

                string topic = InteropClients.NewTopic("conn");
                Assert.Equal(QualityOfService.AtLeastOnce, await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce, timeout.Token));
                byte[] payload = Encoding.UTF8.GetBytes($"hello in {version}");
                await client.PublishAsync(topic, payload, QualityOfService.AtLeastOnce, cancellationToken: timeout.Token);
                var received = Assert.Single(await client.ReceiveAsync(1));
                Assert.Equal(topic, received.Topic);
                Assert.Equal(payload, received.Payload.ToArray());

                await client.DisconnectAsync(timeout.Token);
                Assert.Equal(MqttCloseReason.ClientDisconnected, client.LastCloseReason);
                Assert.False(client.IsConnected);
            }
        });
    }
}

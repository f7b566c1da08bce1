using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Interop.Tests;

/// <summary>Publishes at QoS 0, 1 and 2 reach our own subscriber byte for byte and in order.</summary>
[Collection(InteropCollections.Anonymous)]
public sealed class PublishTests(AnonymousBrokersFixture brokers, ITestOutputHelper output)
{
    private const int Count = 60;

    public static TheoryData<BrokerKind, QualityOfService> BrokersAndQoS
    {
        get
        {
            var data = new TheoryData<BrokerKind, QualityOfService>();
            foreach (var kind in BrokerFactory.All)
                foreach (var qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
                    data.Add(kind, qos);
            return data;
        }
    }

    [BrokerTheory]
    [MemberData(nameof(BrokersAndQoS))]
    [Trait("spec", "MQTT-4.6.0-2")]
    public async Task Messages_arrive_with_exact_bytes_in_order(BrokerKind kind, QualityOfService qos)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            string topic = InteropClients.NewTopic($"pub{(int)qos}");
            await using var subscriber = await InteropClients.ConnectAsync(InteropClients.Options(broker, "sub"));
            await using var publisher = await InteropClients.ConnectAsync(InteropClients.Options(broker, "pub"));
            Assert.Equal(QualityOfService.ExactlyOnce, await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce));

            var payloads = Enumerable.Range(0, Count).Select(Payload).ToArray();
            // All at once, not one by one: the in-flight window and the broker's ordering are part of the test.
            var publishes = payloads.Select(p => publisher.PublishAsync(topic, p, qos).AsTask()).ToArray();
            using (var timeout = new CancellationTokenSource(InteropClients.Deadline)) await Task.WhenAll(publishes).WaitAsync(timeout.Token);

            var received = await subscriber.ReceiveAsync(Count);
            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(topic, received[i].Topic);
                Assert.True(payloads[i].AsSpan().SequenceEqual(received[i].Payload.Span), $"message {i}: payload differs ({received[i].Payload.Length} bytes, expected {payloads[i].Length})");
                Assert.Equal(qos, received[i].QoS); // min(published QoS, granted QoS 2)
                Assert.False(received[i].Retain);
            }
        });
    }

    /// <summary>Message <paramref name="i"/>: its index, then bytes covering 0x00..0xFF; one empty and one large payload.</summary>
    private static byte[] Payload(int i)
    {
        if (i == 7) return [];
        int length = i == 13 ? 200_000 : 2 + (i * 37) % 300;
        var bytes = new byte[length];
        new Random(i).NextBytes(bytes);
        if (length >= 2) { bytes[0] = (byte)(i >> 8); bytes[1] = (byte)i; }
        return bytes;
    }
}

using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary><see cref="MqttClientOptions.MaxConnectionLifetime"/> (SAS-token renewal) against Mosquitto, on fake time: the
/// client closes the connection itself, reconnects at once with a new password, and loses nothing it had encoded.</summary>
public sealed class MaxConnectionLifetimeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task At_the_lifetime_the_client_reconnects_with_a_new_password_and_QoS_0_already_encoded_still_arrives()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            string topic = $"lifetime/{Guid.NewGuid():N}";
            await using var subscriber = await TestClients.ConnectAsync(TestClients.Options(broker, "life-sub"));
            await subscriber.SubscribeAsync(topic, QualityOfService.AtMostOnce);

            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            int passwords = 0;
            var reasons = new List<MqttCloseReason>();
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = TestClients.Options(broker, "life-pub") with
            {
                TimeProvider = time,
                MaxConnectionLifetime = TimeSpan.FromMinutes(50),
                UserName = "u",
                PasswordProvider = _ => { Interlocked.Increment(ref passwords); return ValueTask.FromResult<byte[]?>("p"u8.ToArray()); },
            };
            await using var client = await TestClients.ConnectAsync(options);
            client.ConnectionLost += (reason, _) => { lock (reasons) reasons.Add(reason); };
            client.Connected += _ => connected.TrySetResult();

            // QoS 0, not awaited: some are encoded, some still queued, when the lifetime ends.
            const int count = 2000;
            var publishes = Enumerable.Range(0, count).Select(i => client.PublishAsync(topic, BitConverter.GetBytes(i), QualityOfService.AtMostOnce).AsTask()).ToArray();
            time.Advance(TimeSpan.FromMinutes(50));
            await connected.Task.Within(Timeout, "the client reconnected after its lifetime");
            await Task.WhenAll(publishes).Within(Timeout, "every QoS 0 publish completed");
            var received = await subscriber.ReadAsync(count, Timeout);
            Assert.Equal(Enumerable.Range(0, count), received.Select(m => BitConverter.ToInt32(m.Payload.Span)));
            Assert.Equal(2, Volatile.Read(ref passwords));
            lock (reasons) Assert.Equal([MqttCloseReason.LifetimeReached], reasons);
        });
    }
}

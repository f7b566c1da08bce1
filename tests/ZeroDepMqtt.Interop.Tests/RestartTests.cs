using System.Buffers.Binary;
using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests;

/// <summary>
/// A publisher keeps publishing QoS 1 while its broker stops and starts again on the same port.
///
/// All three brokers run here without persistence, so the restart loses sessions, subscriptions and whatever the old
/// broker had acknowledged but not yet forwarded. Two things make the check deterministic anyway:
/// - the subscriber must be subscribed again before the publisher's messages reach the new broker, or the broker
///   drops them for want of a subscriber. The publisher's <see cref="MqttClientOptions.PasswordProvider"/>, called
///   before every CONNECT, waits on a gate that opens once the subscriber's SUBACK after the restart has arrived;
/// - a message the old broker acknowledged (PUBACK read before the connection ended) is the broker's to lose. Which
///   ones those are is read exactly in the publisher's ConnectionLost handler, which runs after the read loop has
///   handled every PUBACK that arrived.
/// What the client promises is then checked strictly: every publish completes, and every message the old broker had
/// not acknowledged (in flight at the stop, queued while the broker was down, or sent after) arrives at least once.
/// </summary>
public sealed class RestartTests(ITestOutputHelper output)
{
    private const int Delivered = 50;       // delivered by the old broker before it stops
    private const int BeforeStop = 50;      // published right before the stop: some still in flight
    private const int WhileDown = 50;       // accepted while no broker listens
    private const int AfterRestart = 50;    // accepted once the subscriber is back

    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.Brokers), MemberType = typeof(BrokerFactory))]
    [Trait("spec", "MQTT-4.4.0-1")]
    public async Task Qos1_messages_not_acknowledged_by_the_old_broker_arrive_after_the_restart(BrokerKind kind)
    {
        await using var broker = await BrokerFactory.StartAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string topic = InteropClients.NewTopic("restart");
            var publishes = new List<ValueTask>();
            bool[]? ackedByOldBroker = null;
            bool brokerStopped = false;
            var gate = Opened();
            var resubscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            await using var subscriber = new MqttClient(InteropClients.Options(broker, "rsub") with { ReceiveBufferCapacity = 10_000 });
            subscriber.Connected += sessionPresent =>
            {
                if (!Volatile.Read(ref brokerStopped)) return;
                // Our own SUBSCRIBE follows the client's automatic one on the same connection, so its SUBACK means
                // the broker has the subscription again.
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce, deadline.Token);
                        resubscribed.TrySetResult();
                    }
                    catch (Exception e) { resubscribed.TrySetException(e); }
                });
            };
            await subscriber.ConnectAsync(deadline.Token);
            await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce, deadline.Token);

            var publisherOptions = InteropClients.Options(broker, "rpub") with
            {
                PasswordProvider = async ct =>
                {
                    await Volatile.Read(ref gate).Task.WaitAsync(ct);
                    return null; // anonymous: the provider is only the hook that holds the CONNECT back
                },
            };
            await using var publisher = new MqttClient(publisherOptions);
            publisher.ConnectionLost += (_, _) =>
            {
                lock (publishes)
                {
                    if (ackedByOldBroker is null && Volatile.Read(ref brokerStopped))
                        ackedByOldBroker = [.. publishes.Select(p => p.IsCompletedSuccessfully)];
                }
            };
            await publisher.ConnectAsync(deadline.Token);

            void Publish(int count)
            {
                lock (publishes)
                {
                    for (int n = 0; n < count; n++)
                    {
                        var payload = new byte[4];
                        BinaryPrimitives.WriteInt32BigEndian(payload, publishes.Count);
                        publishes.Add(publisher.PublishAsync(topic, payload, QualityOfService.AtLeastOnce));
                    }
                }
            }

            // 1. Delivered through the old broker, then a burst that the stop interrupts.
            var seen = new HashSet<int>();
            Publish(Delivered);
            foreach (var m in await subscriber.ReceiveAsync(Delivered)) seen.Add(BinaryPrimitives.ReadInt32BigEndian(m.Payload.Span));
            Publish(BeforeStop);
            Volatile.Write(ref gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Volatile.Write(ref brokerStopped, true);
            await broker.StopAsync();
            // 2. While no broker listens: queued by the client.
            Publish(WhileDown);
            await broker.StartAsync(deadline.Token);
            // 3. The subscriber reconnects and subscribes again; only then may the publisher connect.
            await resubscribed.Task.WaitAsync(deadline.Token);
            Volatile.Read(ref gate).TrySetResult();
            Publish(AfterRestart);

            // Every publish completes (PUBACK from one broker or the other), none fails.
            ValueTask[] all;
            lock (publishes) all = [.. publishes];
            foreach (var p in all) await p.AsTask().WaitAsync(deadline.Token);
            Assert.True(publisher.IsConnected);
            Assert.NotNull(ackedByOldBroker);

            int total = all.Length;
            var mustArrive = Enumerable.Range(0, total).Where(i => i >= ackedByOldBroker.Length || !ackedByOldBroker[i]).ToHashSet();
            await subscriber.ReceiveUntilAsync(received =>
            {
                if (received.Count > 0) seen.Add(BinaryPrimitives.ReadInt32BigEndian(received[^1].Payload.Span));
                return mustArrive.IsSubsetOf(seen);
            }, TimeSpan.FromSeconds(20));

            int ackedOld = ackedByOldBroker.Count(a => a);
            int lostByBroker = Enumerable.Range(0, ackedByOldBroker.Length).Count(i => ackedByOldBroker[i] && !seen.Contains(i));
            output.WriteLine($"{broker.Name}: {total} published; {ackedOld} acknowledged by the old broker ({lostByBroker} of them lost with it); "
                + $"{total - ackedOld} resent or sent after the restart, all required; {seen.Count} distinct received");
            var missing = mustArrive.Except(seen).Order().ToArray();
            Assert.True(missing.Length == 0, $"{missing.Length} message(s) the old broker never acknowledged did not arrive: {string.Join(", ", missing.Take(20))}");
            Assert.True(mustArrive.Count >= WhileDown + AfterRestart, "the run did not exercise publishing across the restart");
        });
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.TrySetResult();
        return open;
    }
}

using System.Text;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using static ZeroDepMqtt.Transport.Tests.MqttClientLifecycleTests;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>Call order is wire order, cancellation is honest, control packets are never starved and the read loop never
/// waits for the application (issue 10, defects D, E, G, H), against a scripted broker.</summary>
public sealed class MqttClientOrderingTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private readonly UnobservedTaskExceptions _unobserved = new();

    /// <summary>Answers like a broker: PUBACK, PUBREC then PUBCOMP for PUBREL; returns the PUBLISH packets in arrival order.</summary>
    private static async Task<List<WirePublish>> AckPublishesAsync(ScriptedConnection peer, int count)
    {
        var seen = new List<WirePublish>(count);
        int releasesDue = 0;   // QoS 2 flows whose PUBREL has not arrived yet
        while (seen.Count < count || releasesDue > 0)
        {
            var (first, body) = await peer.ReadPacketAsync();
            if (WirePublish.Is(first))
            {
                var p = WirePublish.Parse(first, body);
                seen.Add(p);
                if (p.QoS == 2) releasesDue++;
                if (p.Ack() is { } ack) await peer.WriteAsync(ack);
            }
            else if (first == 0x62)
            {
                releasesDue--;
                await peer.WriteAsync(0x70, 0x02, body[0], body[1]);   // PUBREL → PUBCOMP
            }
        }
        return seen;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)] // mixed QoS 0/1/2
    
    public async Task H_publishes_waiting_for_queue_room_go_out_in_call_order(int qos)
    {
        const int count = 300;
        await using var broker = new ScriptedBroker();
        var options = Options(broker, "order-h") with { MaxInFlight = 1, MaxInFlightQoS2 = 1, MaxQueuedMessages = 1 };
        var (client, _, peer) = await ConnectedAsync(broker, options);
        await using var owned = client;
        var acks = AckPublishesAsync(peer, count);
        var publishes = new List<Task>(count);
        for (int i = 0; i < count; i++)
            publishes.Add(client.PublishAsync("h", Encoding.ASCII.GetBytes(i.ToString()), (QualityOfService)(qos >= 0 ? qos : i % 3)).AsTask());
        var seen = await acks.Within(TimeSpan.FromSeconds(60), "every publish reached the broker");
        await Task.WhenAll(publishes).Within(Short, "every publish completed");
        var order = seen.Select(p => int.Parse(Encoding.ASCII.GetString(p.Payload))).ToList();
        Assert.Equal(Enumerable.Range(0, count), order);
    }

    [Fact]
    public async Task D_a_queued_publish_cancelled_before_it_is_written_is_removed_and_never_sent()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "order-d") with { MaxInFlight = 1 });
        await using var owned = client;
        var p0 = client.PublishAsync("d", "zero"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var buffer = "one!"u8.ToArray();
        using var cts = new CancellationTokenSource();
        var p1 = client.PublishAsync("d", buffer, QualityOfService.AtLeastOnce, cancellationToken: cts.Token).AsTask();
        Assert.Equal(1, client.QueuedCount);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p1.Within(Short, "the cancelled publish ended"));
        Assert.Equal(0, client.QueuedCount);
        "BAD!"u8.CopyTo(buffer);   // the caller reuses its buffer, as the contract allows once the task ended
        var p2 = client.PublishAsync("d", "two"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var seen = await AckPublishesAsync(peer, 2);
        await Task.WhenAll(p0, p2).Within(Short, "the other publishes completed");
        Assert.Equal(["zero", "two"], seen.Select(p => Encoding.ASCII.GetString(p.Payload)));
        await client.DisconnectAsync();
        Assert.Equal(0xE0, (await peer.ReadPacketAsync()).First);   // nothing but DISCONNECT followed
    }

    [Fact]
    [Trait("spec", "MQTT-3.3.1-1")]
    public async Task D_a_publish_cancelled_after_it_was_written_is_resent_from_the_clients_own_copy()
    {
        await using var broker = new ScriptedBroker();
        var options = Options(broker, "order-d2") with
        {
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) },
        };
        var (client, _, peer) = await ConnectedAsync(broker, options);
        await using var owned = client;
        var buffer = "mine"u8.ToArray();
        using var cts = new CancellationTokenSource();
        var p = client.PublishAsync("d2", buffer, QualityOfService.AtLeastOnce, cancellationToken: cts.Token).AsTask();
        var sent = WirePublish.Parse(0x32, await peer.ReadUntilAsync(0x32));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.Within(Short, "the wait ended"));
        "BAD!"u8.CopyTo(buffer);
        Assert.Equal(1, client.InFlightCount);   // written: still delivered at its QoS
        peer.Dispose();
        var again = await broker.AcceptConnectAsync();
        await again.WriteAsync(0x20, 0x02, 0x01, 0x00);   // session present: re-send with DUP
        var (first, body) = await again.ReadPacketAsync();
        var resent = WirePublish.Parse(first, body);
        Assert.True(resent.Dup);
        Assert.Equal(sent.PacketId, resent.PacketId);
        Assert.Equal("mine", Encoding.ASCII.GetString(resent.Payload));
        await again.WriteAsync(resent.Ack()!);
        await Eventually.WaitUntilAsync(() => client.InFlightCount == 0, Short, "the PUBACK ended the flight");
    }

    [Fact]
    [Trait("spec", "MQTT-4.5.0-2")]
    public async Task G_a_full_Messages_channel_drops_and_counts_and_acknowledgements_keep_flowing()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "order-g") with { ReceiveBufferCapacity = 10 });
        await using var owned = client;
        int dropped = 0;
        client.MessageDropped += _ => Interlocked.Increment(ref dropped);
        var incoming = new List<byte>();
        for (int i = 0; i < 50; i++) incoming.AddRange([0x32, 0x06, 0x00, 0x01, (byte)'g', 0x00, (byte)(i + 1), (byte)'x']);   // QoS 1, id i+1
        await peer.WriteAsync([.. incoming]);
        var publishing = client.PublishAsync("g", "out"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        int pubacks = 0;
        while (true)
        {
            var (first, body) = await peer.ReadPacketAsync();
            if (first == 0x40) { pubacks++; continue; }
            if (!WirePublish.Is(first)) continue;
            await peer.WriteAsync(WirePublish.Parse(first, body).Ack()!);
            break;
        }
        await publishing.Within(Short, "the publish was acknowledged although nobody reads Messages");
        await Eventually.WaitUntilAsync(() => client.Metrics.ReceivedDropped == 40, Short, $"40 dropped (so far {client.Metrics.ReceivedDropped})");
        Assert.Equal(40, Volatile.Read(ref dropped));
        Assert.True(client.IsConnected);
        while (pubacks < 50) { if ((await peer.ReadPacketAsync()).First == 0x40) pubacks++; }   // every one acknowledged (MQTT-4.5.0-2)
        int read = 0;
        while (client.Messages.TryRead(out _)) read++;
        Assert.Equal(10, read);
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.2-23")]
    public async Task E_a_broker_that_stops_reading_is_detected_within_keep_alive_plus_ping_timeout_of_fake_time()
    {
        await using var broker = new ScriptedBroker(receiveBufferSize: 4096);
        var time = new FakeTimeProvider();
        var options = Options(broker, "order-e") with
        {
            KeepAliveSeconds = 1,
            PingTimeout = TimeSpan.FromSeconds(1),
            TimeProvider = time,
            MaxQueuedMessages = 1000,
        };
        var (client, events, _) = await ConnectedAsync(broker, options);
        await using var owned = client;
        // 16 MB that the broker never reads: the kernel's buffers fill, then the pipe, then the session's queue.
        var pending = new List<Task>();
        for (int i = 0; i < 250; i++)
        {
            var t = client.PublishAsync("e", new byte[64 * 1024]).AsTask();
            _ = t.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            pending.Add(t);
        }
        await Eventually.WaitUntilAsync(() => client.QueuedCount > 0, Short, "the output filled up and publishes queued");
        var advanced = TimeSpan.Zero;
        // Fake time moves in steps while the real socket does what it does; the client must give up on its own clock.
        await Eventually.WaitUntilAsync(() =>
        {
            if (events.Lost.Count > 0) return true;
            if (advanced < TimeSpan.FromSeconds(120)) { time.Advance(TimeSpan.FromMilliseconds(100)); advanced += TimeSpan.FromMilliseconds(100); }
            return false;
        }, TimeSpan.FromSeconds(30), "the stuck connection was detected");
        output.WriteLine($"detected after {advanced.TotalSeconds:0.0} s of fake time: {events.Lost[0].Error?.Message}");
        Assert.Equal(MqttCloseReason.KeepAliveTimeout, events.Lost[0].Reason);
        Assert.True(advanced < TimeSpan.FromSeconds(120));
    }

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }
}

using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using static ZeroDepMqtt.Transport.Tests.MqttClientLifecycleTests;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary><see cref="MqttClient.PublishManyAsync(TopicName, ReadOnlyMemory{ReadOnlyMemory{byte}}, QualityOfService, bool, CancellationToken)"/>
/// against a scripted broker: call order is wire order across batches and single publishes, a cancelled batch sends
/// only its written prefix, and a batch cut off mid-way reports how many of it failed.</summary>
public sealed class MqttClientPublishManyTests : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private readonly UnobservedTaskExceptions _unobserved = new();

    private static ReadOnlyMemory<byte>[] Numbered(int first, int count)
        => Enumerable.Range(first, count).Select(i => (ReadOnlyMemory<byte>)Encoding.ASCII.GetBytes(i.ToString())).ToArray();

    private static int Number(WirePublish p) => int.Parse(Encoding.ASCII.GetString(p.Payload));

    /// <summary>Answers like a broker (PUBACK; PUBREC, then PUBCOMP for PUBREL) until <paramref name="count"/> PUBLISH packets arrived and every QoS 2 flow ended.</summary>
    internal static async Task<List<WirePublish>> AckPublishesAsync(ScriptedConnection peer, int count)
    {
        var seen = new List<WirePublish>(count);
        int releasesDue = 0;
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
                await peer.WriteAsync(0x70, 0x02, body[0], body[1]);
            }
        }
        return seen;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Batches_and_single_publishes_go_out_in_call_order_with_a_small_queue(int qos)
    {
        // A queue of 3 and a window of 1: most of every batch waits for room, behind and ahead of single publishes.
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "many-order") with { MaxInFlight = 1, MaxInFlightQoS2 = 1, MaxQueuedMessages = 3 });
        await using var owned = client;
        var q = (QualityOfService)qos;
        var tasks = new List<Task>();
        int next = 0;
        for (int round = 0; round < 20; round++)
        {
            int size = 1 + round % 7;
            tasks.Add(client.PublishManyAsync("m", Numbered(next, size), q).AsTask());
            next += size;
            tasks.Add(client.PublishAsync("m", Encoding.ASCII.GetBytes((next++).ToString()), q).AsTask());
        }
        var seen = await AckPublishesAsync(peer, next).Within(TimeSpan.FromSeconds(60), "every message reached the broker");
        await Task.WhenAll(tasks).Within(Short, "every batch and publish completed");
        Assert.Equal(Enumerable.Range(0, next), seen.Select(Number));
        Assert.Equal(next, client.Metrics.Published);
        Assert.Equal(next, client.Metrics.Acknowledged);
    }

    [Fact]
    public async Task A_batch_completes_only_when_its_last_message_is_acknowledged()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "many-last"));
        await using var owned = client;
        var batch = client.PublishManyAsync("m", Numbered(0, 3), QualityOfService.AtLeastOnce).AsTask();
        var publishes = new List<WirePublish>();
        for (int i = 0; i < 3; i++)
        {
            var (first, body) = await peer.ReadPacketAsync();
            publishes.Add(WirePublish.Parse(first, body));
        }
        await peer.WriteAsync(publishes[0].Ack()!);
        await peer.WriteAsync(publishes[1].Ack()!);
        await Eventually.WaitUntilAsync(() => client.Metrics.Acknowledged == 2, Short, "two PUBACKs processed");
        Assert.False(batch.IsCompleted, "the batch completed before its last message was acknowledged");
        await peer.WriteAsync(publishes[2].Ack()!);
        await batch.Within(Short, "the batch completed with its last PUBACK");
    }

    [Fact]
    public async Task A_cancelled_batch_sends_only_its_written_prefix_and_frees_the_rest_of_its_buffers()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "many-cancel") with { MaxInFlight = 2, MaxQueuedMessages = 2 });
        await using var owned = client;
        var payloads = Numbered(0, 6);
        using var cts = new CancellationTokenSource();
        var batch = client.PublishManyAsync("m", payloads, QualityOfService.AtLeastOnce, cancellationToken: cts.Token).AsTask();
        // Two in flight (written), two queued, two waiting for queue room.
        await Eventually.WaitUntilAsync(() => client.InFlightCount == 2 && client.QueuedCount == 2, Short, "two written, two queued");
        cts.Cancel();
        var e = await Assert.ThrowsAsync<MqttPublishBatchCanceledException>(() => batch.Within(Short, "the cancelled batch ended"));
        Assert.Equal(6, e.Count);
        Assert.Equal(2, e.Sent);
        Assert.Equal(0, client.QueuedCount);
        foreach (var p in payloads) "X"u8.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsMemory(p).Span);   // the caller reuses every buffer

        var after = client.PublishAsync("m", "100"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var seen = await AckPublishesAsync(peer, 3).Within(Short, "the written prefix and the next publish");
        await after.Within(Short, "the publish after the batch completed");
        // The written prefix on its own copies (never the reused bytes), then the next call: nothing of the rest.
        Assert.Equal([0, 1, 100], seen.Select(Number));
        Assert.Equal(0, client.InFlightCount);
    }

    [Fact]
    public async Task A_batch_cut_off_by_the_disconnect_timeout_reports_how_many_of_it_failed()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "many-fail") with { DisconnectTimeout = TimeSpan.FromMilliseconds(200) });
        await using var owned = client;
        var batch = client.PublishManyAsync("m", Numbered(0, 5), QualityOfService.AtLeastOnce).AsTask();
        var publishes = new List<WirePublish>();
        for (int i = 0; i < 5; i++)
        {
            var (first, body) = await peer.ReadPacketAsync();
            publishes.Add(WirePublish.Parse(first, body));
        }
        await peer.WriteAsync(publishes[0].Ack()!);
        await peer.WriteAsync(publishes[1].Ack()!);
        await Eventually.WaitUntilAsync(() => client.Metrics.Acknowledged == 2, Short, "two PUBACKs processed");
        // The broker acknowledges no more: the disconnect waits its timeout, then fails the three still in flight.
        await client.DisconnectAsync().AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).Within(Short, "disconnected");
        var e = await Assert.ThrowsAsync<MqttPublishBatchException>(() => batch.Within(Short, "the batch ended"));
        Assert.Equal(5, e.Count);
        Assert.Equal(3, e.Failed);
        Assert.IsAssignableFrom<MqttClientException>(e.InnerException);
        Assert.NotEqual(MqttCloseReason.None, e.Reason);
    }

    [Fact]
    public async Task A_batch_with_a_bad_argument_is_refused_whole()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "many-arg"));
        await using var owned = client;
        ReadOnlyMemory<byte>[] payloads = ["ok"u8.ToArray(), "ok"u8.ToArray()];
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = client.PublishManyAsync("m", payloads, (QualityOfService)3); });
        Assert.Equal(0, client.Metrics.Published);
        Assert.Equal(0, client.QueuedCount + client.InFlightCount);
    }

    [Fact]
    public async Task QoS_0_batches_reach_the_peer_in_full_whether_written_at_once_or_queued()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "many-fast"));
        await using var owned = client;
        var reading = Task.Run(async () => { for (int i = 0; i < 64 * 100 + 64; i++) await peer.ReadPacketAsync(); });
        var payloads = Enumerable.Range(0, 64).Select(_ => (ReadOnlyMemory<byte>)new byte[16]).ToArray();
        await client.PublishManyAsync("m", payloads);   // warm-up
        for (int round = 0; round < 100; round++)
        {
            var t = client.PublishManyAsync("m", payloads);
            if (!t.IsCompleted) await t;   // the output may be above its mark while the peer catches up
        }
        await reading.Within(Short, "every message reached the peer");
        Assert.Equal(64 * 101, client.Metrics.Acknowledged);
    }

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }
}

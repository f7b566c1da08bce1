using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using static ZeroDepMqtt.Transport.Tests.MqttClientLifecycleTests;
using static ZeroDepMqtt.Transport.Tests.MqttClientPublishManyTests;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary><see cref="MqttClient.PublishManyAsync(ReadOnlyMemory{MqttOutgoingMessage}, QualityOfService, bool, CancellationToken)"/>,
/// whose messages each carry their own topic, against a scripted broker: each message goes out with its topic in call
/// order, a bad message anywhere refuses the whole batch before anything is sent, a cancelled batch sends only its
/// written prefix, and a batch cut off mid-way reports how many of it failed.</summary>
public sealed class MqttClientPublishManyTopicsTests : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private readonly UnobservedTaskExceptions _unobserved = new();

    // Message i goes to "t/{i % 3}" with payload "i".
    private static MqttOutgoingMessage[] Numbered(int first, int count)
        => Enumerable.Range(first, count).Select(i => new MqttOutgoingMessage(TopicName.Create($"t/{i % 3}"), Encoding.ASCII.GetBytes(i.ToString()))).ToArray();

    private static int Number(WirePublish p) => int.Parse(Encoding.ASCII.GetString(p.Payload));

    private static async Task<List<WirePublish>> ReadPublishesAsync(ScriptedConnection peer, int count)
    {
        var seen = new List<WirePublish>(count);
        for (int i = 0; i < count; i++)
        {
            var (first, body) = await peer.ReadPacketAsync();
            seen.Add(WirePublish.Parse(first, body));
        }
        return seen;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Each_message_goes_out_with_its_own_topic_in_call_order_among_other_publishes(int qos)
    {
        // A queue of 3 and a window of 1: most of every batch waits for room, behind and ahead of the other kinds of publish.
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "topics-order") with { MaxInFlight = 1, MaxInFlightQoS2 = 1, MaxQueuedMessages = 3 });
        await using var owned = client;
        var q = (QualityOfService)qos;
        var tasks = new List<Task>();
        int next = 0;
        for (int round = 0; round < 20; round++)
        {
            int size = 1 + round % 7;
            tasks.Add(client.PublishManyAsync(Numbered(next, size), q).AsTask());
            next += size;
            tasks.Add(client.PublishManyAsync($"t/{next % 3}", new ReadOnlyMemory<byte>[] { Encoding.ASCII.GetBytes(next.ToString()) }, q).AsTask());
            next++;
            tasks.Add(client.PublishAsync($"t/{next % 3}", Encoding.ASCII.GetBytes(next.ToString()), q).AsTask());
            next++;
        }
        var seen = await AckPublishesAsync(peer, next).Within(TimeSpan.FromSeconds(60), "every message reached the broker");
        await Task.WhenAll(tasks).Within(Short, "every batch and publish completed");
        Assert.Equal(Enumerable.Range(0, next), seen.Select(Number));
        Assert.All(seen, p => Assert.Equal($"t/{Number(p) % 3}", p.Topic));
        Assert.All(seen, p => Assert.Equal(qos, p.QoS));
        Assert.Equal(next, client.Metrics.Acknowledged);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_message_without_a_topic_in_the_middle_refuses_the_whole_batch_before_anything_is_sent(int qos)
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "topics-arg"));
        await using var owned = client;
        var messages = Numbered(0, 5);
        messages[2] = new MqttOutgoingMessage(default, "bad"u8.ToArray());
        var e = Assert.Throws<ArgumentException>(() => { _ = client.PublishManyAsync(messages, (QualityOfService)qos); });
        Assert.Contains("topic", e.Message);
        Assert.Equal(0, client.Metrics.Published);
        Assert.Equal(0, client.QueuedCount + client.InFlightCount);

        // Nothing of it reached the wire: the next publish is the first PUBLISH the broker sees.
        var after = client.PublishAsync("after", "100"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var seen = await AckPublishesAsync(peer, 1).Within(Short, "the publish after the refused batch");
        await after.Within(Short, "the publish after the refused batch completed");
        Assert.Equal("after", seen[0].Topic);
        Assert.Equal(100, Number(seen[0]));
    }

    [Fact]
    public async Task A_payload_too_large_for_its_own_topic_refuses_the_whole_batch()
    {
        // The packet limit counts the topic: a payload that fits with a short topic does not with a long one.
        await using var broker = new ScriptedBroker();
        var (client, _, _) = await ConnectedAsync(broker, Options(broker, "topics-size"));
        await using var owned = client;
        var big = new byte[RemainingLength.Max - 4 - 1];
        MqttOutgoingMessage[] messages = [new(TopicName.Create("a"), "ok"u8.ToArray()), new(TopicName.Create("a"), big), new(TopicName.Create("bb"), big)];
        Assert.ThrowsAny<ArgumentException>(() => { _ = client.PublishManyAsync(messages, QualityOfService.AtLeastOnce); });
        Assert.Equal(0, client.Metrics.Published);
    }

    [Fact]
    public async Task A_cancelled_batch_sends_only_its_written_prefix_with_its_topics()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "topics-cancel") with { MaxInFlight = 2, MaxQueuedMessages = 2 });
        await using var owned = client;
        var messages = Numbered(0, 6);
        using var cts = new CancellationTokenSource();
        var batch = client.PublishManyAsync(messages, QualityOfService.AtLeastOnce, cancellationToken: cts.Token).AsTask();
        // Two in flight (written), two queued, two waiting for queue room.
        await Eventually.WaitUntilAsync(() => client.InFlightCount == 2 && client.QueuedCount == 2, Short, "two written, two queued");
        cts.Cancel();
        var e = await Assert.ThrowsAsync<MqttPublishBatchCanceledException>(() => batch.Within(Short, "the cancelled batch ended"));
        Assert.Equal(6, e.Count);
        Assert.Equal(2, e.Sent);
        Assert.Equal(0, client.QueuedCount);
        foreach (var m in messages) "X"u8.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsMemory(m.Payload).Span);   // the caller reuses every buffer

        var after = client.PublishAsync("after", "100"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var seen = await AckPublishesAsync(peer, 3).Within(Short, "the written prefix and the next publish");
        await after.Within(Short, "the publish after the batch completed");
        Assert.Equal([0, 1, 100], seen.Select(Number));
        Assert.Equal(["t/0", "t/1", "after"], seen.Select(p => p.Topic));
    }

    [Fact]
    public async Task A_batch_cut_off_by_the_disconnect_timeout_reports_how_many_of_it_failed()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "topics-fail") with { DisconnectTimeout = TimeSpan.FromMilliseconds(200) });
        await using var owned = client;
        var batch = client.PublishManyAsync(Numbered(0, 5), QualityOfService.AtLeastOnce).AsTask();
        var publishes = await ReadPublishesAsync(peer, 5).Within(Short, "five PUBLISH packets");
        Assert.Equal(["t/0", "t/1", "t/2", "t/0", "t/1"], publishes.Select(p => p.Topic));
        await peer.WriteAsync(publishes[0].Ack()!);
        await peer.WriteAsync(publishes[1].Ack()!);
        await Eventually.WaitUntilAsync(() => client.Metrics.Acknowledged == 2, Short, "two PUBACKs processed");
        // The broker acknowledges no more: the disconnect waits its timeout, then fails the three still in flight.
        await client.DisconnectAsync().AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).Within(Short, "disconnected");
        var e = await Assert.ThrowsAsync<MqttPublishBatchException>(() => batch.Within(Short, "the batch ended"));
        Assert.Equal(5, e.Count);
        Assert.Equal(3, e.Failed);
        Assert.IsAssignableFrom<MqttClientException>(e.InnerException);
    }

    [Fact]
    public async Task A_QoS_0_batch_written_at_once_carries_every_topic()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "topics-fast"));
        await using var owned = client;
        var reading = ReadPublishesAsync(peer, 64 * 10);
        for (int round = 0; round < 10; round++)
        {
            var t = client.PublishManyAsync(Numbered(round * 64, 64));
            if (!t.IsCompleted) await t;   // the output may be above its mark while the peer catches up
        }
        var seen = await reading.Within(Short, "every message reached the peer");
        Assert.Equal(Enumerable.Range(0, 640), seen.Select(Number));
        Assert.All(seen, p => Assert.Equal($"t/{Number(p) % 3}", p.Topic));
    }

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }
}

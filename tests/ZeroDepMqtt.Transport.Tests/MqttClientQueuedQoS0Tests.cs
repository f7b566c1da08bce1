using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using static ZeroDepMqtt.Transport.Tests.MqttClientLifecycleTests;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>QoS 0 publishes that queue behind a full output without a cancellation token (the write-ticket path, issue
/// 16): they complete in call order and only once written, and the ones never written fail.</summary>
public sealed class MqttClientQueuedQoS0Tests : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private readonly UnobservedTaskExceptions _unobserved = new();

    private static byte[] Payload(int i, int size)
    {
        var p = new byte[size];
        BitConverter.TryWriteBytes(p, i);
        return p;
    }

    private static void AssertPrefixCompleted(IReadOnlyList<ValueTask> publishes)
    {
        int done = 0;
        while (done < publishes.Count && publishes[done].IsCompleted) done++;
        for (int i = done; i < publishes.Count; i++) Assert.False(publishes[i].IsCompleted, $"publish {i} completed before publish {done}");
    }

    [Fact]
    public async Task Queued_QoS_0_publishes_complete_in_order_once_written_and_reach_the_wire_in_order()
    {
        await using var broker = new ScriptedBroker(receiveBufferSize: 4096);
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "q0-tickets") with { MaxQueuedBytes = 1L << 30 });
        await using var owned = client;
        // 96 MB the broker does not read yet: the kernel's buffers (up to tcp_rmem's and tcp_wmem's maxima, 32 + 4 MB
        // here: the listener's small SO_RCVBUF does not reach accepted sockets on every kernel), then the pipe fill.
        const int count = 1500, size = 64 * 1024;
        var publishes = new List<ValueTask>(count);
        for (int i = 0; i < count; i++) publishes.Add(client.PublishAsync("t", Payload(i, size)));
        await Eventually.WaitUntilAsync(() => client.QueuedCount > 0, Short, "publishes queued behind the full output");
        Assert.False(publishes[^1].IsCompleted, "the last publish waits while it is not written");
        AssertPrefixCompleted(publishes);

        for (int i = 0; i < count; i++)
        {
            var (first, body) = await peer.ReadPacketAsync();
            var p = WirePublish.Parse(first, body);
            Assert.Equal(i, BitConverter.ToInt32(p.Payload));
            if (i % 100 == 0) AssertPrefixCompleted(publishes);
        }
        foreach (var p in publishes) await p.AsTask().Within(Short, "every written publish completed");
        Assert.Equal(count, client.Metrics.Acknowledged);
    }

    [Fact]
    public async Task Queued_QoS_0_publishes_never_written_fail_when_the_client_gives_up_and_the_written_ones_succeed()
    {
        await using var broker = new ScriptedBroker(receiveBufferSize: 4096);
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "q0-tickets-fail") with { MaxQueuedBytes = 1L << 30, DisconnectTimeout = TimeSpan.FromMilliseconds(1) });
        await using var owned = client;
        const int count = 1500, size = 64 * 1024;
        var publishes = new List<Task>(count);
        for (int i = 0; i < count; i++) publishes.Add(client.PublishAsync("t", Payload(i, size)).AsTask());
        await Eventually.WaitUntilAsync(() => client.QueuedCount > 0, Short, "publishes queued behind the full output");

        // The broker never reads: DisconnectAsync gives up after DisconnectTimeout and fails what was not written (a
        // millisecond: the kernel's buffers on loopback can take tens of MB more while a longer drain waits).
        _ = client.DisconnectAsync().AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        await Task.WhenAll(publishes).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).Within(TimeSpan.FromSeconds(30), "every publish ended");
        int succeeded = publishes.TakeWhile(t => t.IsCompletedSuccessfully).Count();
        Assert.True(succeeded < count, "some publishes were never written");
        Assert.All(publishes.Skip(succeeded), t => Assert.True(t.IsFaulted, "after the first failure, all failed (never written)"));
        Assert.All(publishes.Skip(succeeded), t => Assert.IsType<MqttClientException>(t.Exception!.InnerException));
        peer.Dispose();
    }

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }
}

using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests.Model;

/// <summary>One step of a client model run.</summary>
public enum ClientOpKind { Publish, PublishCancellable, Cancel, Subscribe, Silence, Answer, Drop, DropLosingSession, RefuseNext, Advance, PublishBatch, PublishBatchCancellable }

/// <summary>A step and its argument (QoS, which publish to cancel, how much time passes).</summary>
public readonly record struct ClientOp(ClientOpKind Kind, int Arg);

/// <summary>Random client scripts.</summary>
public static class ClientScripts
{
    /// <summary>Steps weighted towards publishing, with every kind of trouble mixed in.</summary>
    public static Arbitrary<ClientOp> Ops()
    {
        var kinds = Gen.Frequency(
            (8, Gen.Constant(ClientOpKind.Publish)),
            (3, Gen.Constant(ClientOpKind.PublishCancellable)),
            (3, Gen.Constant(ClientOpKind.Cancel)),
            (1, Gen.Constant(ClientOpKind.Subscribe)),
            (1, Gen.Constant(ClientOpKind.Silence)),
            (2, Gen.Constant(ClientOpKind.Answer)),
            (1, Gen.Constant(ClientOpKind.Drop)),
            (1, Gen.Constant(ClientOpKind.DropLosingSession)),
            (1, Gen.Constant(ClientOpKind.RefuseNext)),
            (3, Gen.Constant(ClientOpKind.Advance)),
            (3, Gen.Constant(ClientOpKind.PublishBatch)),
            (2, Gen.Constant(ClientOpKind.PublishBatchCancellable)));
        return Arb.From(kinds.SelectMany(k => Gen.Choose(0, 1000), (k, arg) => new ClientOp(k, arg)));
    }
}

/// <summary>
/// The whole client (lifecycle, admission, cancellation, output, timer, reconnects) under random interleavings of
/// publishes at QoS 0/1/2 (single and in batches of 1–4), cancellations, subscribes, a broker that answers or goes silent, dropped connections with and
/// without the session, refusals and passing fake time; then DisposeAsync. After every run: every operation ended
/// (acknowledged, failed with a reason, or cancelled), none is pending once the client is closed, first transmissions
/// are in call order, a cancelled publish's reused buffer never reaches the wire, no packet id is reused while the
/// broker holds it, and no task exception goes unobserved.
/// </summary>
public sealed class ClientModelProperties(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private static int s_runs, s_steps;
    private static readonly TopicName ModelTopic = TopicName.Create("model");
    private readonly UnobservedTaskExceptions _unobserved = new();

    [Property(Arbitrary = [typeof(ClientScripts)], MaxTest = 30, EndSize = 40)]
    [Trait("spec", "MQTT-2.3.1-2")]
    [Trait("spec", "MQTT-4.6.0-1")]
    public void Every_operation_ends_once_in_order_and_honestly(ClientOp[] script)
    {
        RunAsync(script).GetAwaiter().GetResult();
        output.WriteLine($"run {Interlocked.Increment(ref s_runs)}: {script.Length} steps ({Interlocked.Add(ref s_steps, script.Length)} in all)");
    }

    // A batch's messages are one Call each, sharing its task and token; Position is the place in the batch (0 alone).
    private sealed record Call(int Index, QualityOfService QoS, byte[] Buffer, Task Task, CancellationTokenSource? Cancel, int Position = 0);

    private static async Task RunAsync(ClientOp[] script)
    {
        await using var broker = new ModelBroker();
        var time = new FakeTimeProvider();
        var client = new MqttClient(new MqttClientOptions
        {
            Broker = broker.Address,
            ClientId = "model",
            KeepAliveSeconds = 2,
            PingTimeout = TimeSpan.FromSeconds(1),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            DisconnectTimeout = TimeSpan.FromSeconds(3),
            MaxInFlight = 4,
            MaxInFlightQoS2 = 2,
            MaxQueuedMessages = 3,
            TimeProvider = time,
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(400) },
        });
        await client.ConnectAsync().AsTask().WaitAsync(Guard);
        var calls = new List<Call>();
        var subscribes = new List<Task>();
        foreach (var op in script)
        {
            switch (op.Kind)
            {
                case ClientOpKind.Publish or ClientOpKind.PublishCancellable:
                    int index = calls.Count;
                    var buffer = Encoding.ASCII.GetBytes($"m{index:D5}");
                    var qos = (QualityOfService)(op.Arg % 3);
                    var cts = op.Kind == ClientOpKind.PublishCancellable ? new CancellationTokenSource() : null;
                    var task = client.PublishAsync("model", buffer, qos, cancellationToken: cts?.Token ?? default).AsTask();
                    // The caller reuses its buffer the moment a cancelled publish ends: the wire must never show it.
                    _ = task.ContinueWith(t => { if (t.IsCanceled || t.Exception?.InnerException is OperationCanceledException) "XXXXXX"u8.CopyTo(buffer); },
                        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    calls.Add(new Call(index, qos, buffer, task, cts));
                    break;
                case ClientOpKind.PublishBatch or ClientOpKind.PublishBatchCancellable:
                    int size = 1 + op.Arg % 4, start = calls.Count;
                    var batchQoS = (QualityOfService)(op.Arg / 4 % 3);
                    var buffers = Enumerable.Range(start, size).Select(i => Encoding.ASCII.GetBytes($"m{i:D5}")).ToArray();
                    var batchCts = op.Kind == ClientOpKind.PublishBatchCancellable ? new CancellationTokenSource() : null;
                    // Half the batches through the overload whose messages carry their own topic: the same guarantees.
                    var batchTask = (op.Arg / 12 % 2 == 0
                        ? client.PublishManyAsync("model", buffers.Select(b => (ReadOnlyMemory<byte>)b).ToArray(), batchQoS, cancellationToken: batchCts?.Token ?? default)
                        : client.PublishManyAsync(buffers.Select(b => new MqttOutgoingMessage(ModelTopic, b)).ToArray(), batchQoS, cancellationToken: batchCts?.Token ?? default)).AsTask();
                    _ = batchTask.ContinueWith(t => { if (t.IsCanceled || t.Exception?.InnerException is OperationCanceledException) foreach (var b in buffers) "XXXXXX"u8.CopyTo(b); },
                        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    for (int j = 0; j < size; j++) calls.Add(new Call(start + j, batchQoS, buffers[j], batchTask, batchCts, j));
                    break;
                case ClientOpKind.Cancel:
                    var cancellable = calls.Where(c => c.Cancel is not null && !c.Task.IsCompleted).ToList();
                    if (cancellable.Count > 0) cancellable[op.Arg % cancellable.Count].Cancel!.Cancel();
                    break;
                case ClientOpKind.Subscribe:
                    var subscribing = client.SubscribeAsync("s/#").AsTask();
                    _ = subscribing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    subscribes.Add(subscribing);
                    break;
                case ClientOpKind.Silence: broker.Acking = false; break;
                case ClientOpKind.Answer: broker.Acking = true; break;
                case ClientOpKind.Drop: broker.Drop(); break;
                case ClientOpKind.DropLosingSession: broker.LoseSession = true; broker.Drop(); break;
                case ClientOpKind.RefuseNext: Interlocked.Exchange(ref broker.RefuseNext, 1 + op.Arg % 2); break;
                case ClientOpKind.Advance: time.Advance(TimeSpan.FromMilliseconds(50 + op.Arg * 4)); break;
            }
            await Task.Yield();
        }

        // The end: the broker answers again and the client is disposed while its clock keeps moving.
        broker.Acking = true;
        Interlocked.Exchange(ref broker.RefuseNext, 0);
        var disposing = client.DisposeAsync().AsTask();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!disposing.IsCompleted && clock.Elapsed < Guard)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(disposing, Task.Delay(5));
        }
        Assert.True(disposing.IsCompleted, "DisposeAsync hung");
        await disposing;

        // Nothing pending once closed (continuations run asynchronously, so "ended" may take a moment to show); each
        // ended one way, with a reason when it failed.
        Assert.Equal(MqttClientState.Closed, client.State);
        var all = Task.WhenAll(calls.Select(c => c.Task).Concat(subscribes));
        try { await all.WaitAsync(Guard); } catch (Exception) { }   // outcomes are checked one by one below
        foreach (var c in calls)
        {
            Assert.True(c.Task.IsCompleted, $"publish {c.Index} still pending after DisposeAsync");
            if (c.Task.IsCompletedSuccessfully) continue;
            var e = c.Task.Exception?.InnerException;
            if (c.Task.IsCanceled || e is OperationCanceledException) { Assert.NotNull(c.Cancel); Assert.True(c.Cancel!.IsCancellationRequested, $"publish {c.Index} cancelled without a cancellation"); continue; }
            Assert.True(e is MqttClientException { Reason: not MqttCloseReason.None } or ObjectDisposedException, $"publish {c.Index} failed without a reason: {e}");
        }
        foreach (var s in subscribes)
        {
            Assert.True(s.IsCompleted, "a subscribe is still pending after DisposeAsync");
            if (!s.IsCompletedSuccessfully) Assert.True(s.Exception?.InnerException is MqttClientException { Reason: not MqttCloseReason.None } or ObjectDisposedException, $"subscribe failed without a reason: {s.Exception}");
        }

        var wire = broker.Wire;
        Assert.Empty(broker.Violations);
        var payloads = wire.Select(p => Encoding.ASCII.GetString(p.Payload)).ToList();
        Assert.DoesNotContain(payloads, p => p.StartsWith('X'));
        // First transmissions in call order.
        var firsts = payloads.Distinct().Select(p => int.Parse(p.AsSpan(1))).ToList();
        Assert.Equal(firsts.OrderBy(i => i), firsts);
        // Acknowledged at QoS 1/2 means the broker got it.
        foreach (var c in calls.Where(c => c.QoS != QualityOfService.AtMostOnce && c.Task.IsCompletedSuccessfully))
            Assert.Contains($"m{c.Index:D5}", payloads);
        // A cancelled batch: only its written prefix (Sent) may have reached the wire.
        foreach (var c in calls)
            if (c.Task.Exception?.InnerException is MqttPublishBatchCanceledException cancelled && c.Position >= cancelled.Sent)
                Assert.DoesNotContain($"m{c.Index:D5}", payloads);
        foreach (var c in calls.Select(c => c.Cancel).Distinct()) c?.Dispose();
    }

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }
}

using System.Runtime.CompilerServices;
using ZeroDepMqtt.Sink.Shaping;

namespace ZeroDepMqtt.Sink;

// Many inputs shaped into one client batch: the shaped counterpart of the plain PublishManyAsync, one lock and one
// completion per batch instead of a copy and a write ticket per message.
public sealed partial class MqttSink
{
    private readonly ShapedBatchPool _shapedBatches = new();
    private long _shapedBatchMessages;

    /// <summary>Messages that shaped batches (<see cref="PublishManyAsync(ReadOnlyMemory{ReadOnlyMemory{byte}}, Action{int, string}?, CancellationToken)"/>
    /// with shaping options) handed to the client so far, in order. A caller that alone publishes through this sink can
    /// read it before and after a call to learn which messages were that batch's, and hold that against <see cref="Sent"/>
    /// to learn how many of them the client accepted.</summary>
    public long ShapedBatchMessages => Interlocked.Read(ref _shapedBatchMessages);

    private ValueTask PublishManyShaped(ReadOnlyMemory<ReadOnlyMemory<byte>> payloads, Action<int, string>? onRejected, CancellationToken cancellationToken)
    {
        var batch = _shapedBatches.Rent();
        int rejectedInputs = 0;
        string? firstRejection = null;
        ValueTask publish;
        try
        {
            var inputs = payloads.Span;
            for (int n = 0; n < inputs.Length; n++)
            {
                var input = inputs[n];
                var results = _shaper!.Shape(input);   // per-thread scratch: its payloads are copied before the next input
                int failed = 0;
                string? firstError = null;
                for (int i = 0; i < results.Count; i++)
                {
                    ref var e = ref results[i];
                    if (e.Error is not null)
                    {
                        Interlocked.Increment(ref _rejected);
                        failed++;
                        firstError ??= results.Count == 1 ? e.Error : $"element {i}: {e.Error}";
                        continue;
                    }
                    if (e.Omitted) { Interlocked.Increment(ref _omitted); continue; }
                    if (_shaper.Compression != PayloadCompression.None)
                        batch.Add(e.Topic, PayloadCompressor.Compress(_shaper.Compression, results.PayloadOf(i, input.Span)));
                    else if (e.FromInput) batch.Add(e.Topic, input.Slice(e.Start, e.Length));
                    else batch.AddCopy(e.Topic, results.PayloadOf(i, input.Span));
                    // As in the plain batch: a payload the cloud broker would close the connection for fails the whole batch.
                    if (batch.LastLength > _cloudMaxPayload) throw CloudPayloadTooLarge(batch.LastLength);
                }
                if (failed == 0) continue;
                string reason = ShapeFailure(failed, firstError!);
                if (onRejected is not null) onRejected(n, reason);
                else if (rejectedInputs++ == 0) firstRejection = $"input {n}: {reason}";
            }
            if (batch.Count == 0) publish = ValueTask.CompletedTask;
            else
            {
                publish = _client.PublishManyAsync(batch.Messages, Settings.Qos, Settings.Retained, cancellationToken);
                Interlocked.Add(ref _shapedBatchMessages, batch.Count);
            }
        }
        catch (Exception e)
        {
            // Refused before the client took any of it (or a rejection callback threw): the batch is free again.
            _shapedBatches.Return(batch);
            return ValueTask.FromException(e);
        }
        if (!publish.IsCompleted || rejectedInputs > 0) return EndShapedBatchAsync(publish, batch, rejectedInputs, firstRejection);
        // Done in the call (QoS 0 written, or refused): the client no longer reads the batch.
        _shapedBatches.Return(batch);
        return publish;
    }

    // Awaits the client's batch, then frees the batch's bytes: the client reads them until its task ended.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask EndShapedBatchAsync(ValueTask publish, ShapedBatch batch, int rejectedInputs, string? firstRejection)
    {
        try
        {
            await publish.ConfigureAwait(false);
        }
        finally
        {
            _shapedBatches.Return(batch);
        }
        // No callback took the rejections: the task reports them, after the rest was delivered (as PublishAsync does).
        if (rejectedInputs > 0)
            throw new MqttSinkException(SinkErrorKind.InvalidMessage, rejectedInputs == 1 ? firstRejection! : $"{rejectedInputs} inputs could not be shaped; first: {firstRejection}");
    }

    /// <summary>Why an input was not (fully) published: its one failed message's reason, or how many failed and the first.</summary>
    private static string ShapeFailure(int failed, string firstError)
        => failed == 1 ? firstError : $"{failed} messages could not be shaped; first: {firstError}";
}

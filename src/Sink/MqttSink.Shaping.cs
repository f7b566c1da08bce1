using System.Buffers;
using System.Runtime.CompilerServices;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Sink.Shaping;

namespace ZeroDepMqtt.Sink;

// Message shaping (topic patterns, sendSingle, fields, templates, batching, compression): one input becomes zero or
// more messages; each fails, is omitted, or is published on its own.
public sealed partial class MqttSink
{
    private readonly MessageShaper? _shaper;
    private readonly MessageBatcher? _batcher;
    private readonly ShapedPublishes _publishes = new();
    private long _rejected, _omitted;

    /// <summary>Messages not sent because they could not be shaped (not JSON, unresolved topic, template mismatch).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Messages not sent because they were empty and <c>omitIfEmpty</c> is set.</summary>
    public long Omitted => Interlocked.Read(ref _omitted);

    private ValueTask PublishShaped(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var results = _shaper!.Shape(input);
        if (results.Count == 1) return PublishEntry(results, 0, input, cancellationToken, out string? error) is { } single
            ? single
            : error is null ? ValueTask.CompletedTask : ValueTask.FromException(new MqttSinkException(SinkErrorKind.InvalidMessage, error));
        var pending = ArrayPool<ValueTask>.Shared.Rent(Math.Max(1, results.Count));
        int started = 0, failed = 0;
        string? firstError = null;
        for (int i = 0; i < results.Count; i++)
        {
            if (PublishEntry(results, i, input, cancellationToken, out string? error) is { } publish) pending[started++] = publish;
            else if (error is not null) { failed++; firstError ??= $"element {i}: {error}"; }
        }
        return AwaitAll(pending, started, failed, firstError);
    }

    // Null when nothing was published (error set when it failed, null when omitted).
    private ValueTask? PublishEntry(ShapeResults results, int i, ReadOnlyMemory<byte> input, CancellationToken cancellationToken, out string? error)
    {
        ref var e = ref results[i];
        error = e.Error;
        if (error is not null) { Interlocked.Increment(ref _rejected); return null; }
        if (e.Omitted) { Interlocked.Increment(ref _omitted); return null; }
        if (_batcher is not null) return _batcher.AddAsync(e.Topic, results.PayloadOf(i, input.Span));
        if (_shaper!.Compression != PayloadCompression.None)
        {
            var compressed = PayloadCompressor.Compress(_shaper.Compression, results.PayloadOf(i, input.Span));
            if (compressed.Length > _cloudMaxPayload) return ValueTask.FromException(CloudPayloadTooLarge(compressed.Length));
            return _client.PublishAsync(e.Topic, compressed, Settings.Qos, Settings.Retained, cancellationToken);
        }
        // The cloud broker's limit holds for shaped payloads as for plain ones: this message fails alone.
        if (e.Length > _cloudMaxPayload) return ValueTask.FromException(CloudPayloadTooLarge(e.Length));
        if (e.FromInput) return _client.PublishAsync(e.Topic, input.Slice(e.Start, e.Length), Settings.Qos, Settings.Retained, cancellationToken);
        var payload = results.PayloadOf(i, input.Span);
        // A cancelled wait may leave the message queued and still read later: then its buffer must be the GC's, not the pool's.
        if (cancellationToken.CanBeCanceled)
            return _client.PublishAsync(e.Topic, payload.ToArray(), Settings.Qos, Settings.Retained, cancellationToken);
        return _publishes.Publish(_client, e.Topic, payload, Settings.Qos, Settings.Retained);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitAll(ValueTask[] pending, int count, int failed, string? firstError)
    {
        Exception? publishError = null;
        try
        {
            for (int i = 0; i < count; i++)
            {
                try { await pending[i].ConfigureAwait(false); }
                catch (Exception e) { publishError ??= e; }
            }
        }
        finally
        {
            ArrayPool<ValueTask>.Shared.Return(pending, clearArray: true);
        }
        if (failed > 0) throw new MqttSinkException(SinkErrorKind.InvalidMessage, ShapeFailure(failed, firstError!));
        if (publishError is not null) throw publishError;
    }

    /// <summary>
    /// With <c>batchSize</c> or <c>lingerInterval</c>: sends the results gathered so far now, as one message, instead of
    /// waiting for the batch to fill or the linger time. A publish whose batch is not full completes only after that,
    /// so a caller that awaits each publish before the next must set <c>lingerInterval</c> or call this. Without
    /// batching it does nothing. <see cref="CompleteAsync"/> flushes too.
    /// </summary>
    /// <returns>A task that completes when the batches sent so far ended (failures are reported by each publish's own task).</returns>
    public ValueTask FlushAsync() => FlushBatchCoreAsync(dispose: false);

    private ValueTask PublishBatch(TopicName topic, byte[] payload)
    {
        if (_shaper!.Compression != PayloadCompression.None) payload = PayloadCompressor.Compress(_shaper.Compression, payload);
        if (payload.Length > _cloudMaxPayload) return ValueTask.FromException(CloudPayloadTooLarge(payload.Length));
        return _client.PublishAsync(topic, payload, Settings.Qos, Settings.Retained, CancellationToken.None);
    }

    private ValueTask FlushBatchAsync() => FlushBatchCoreAsync(dispose: true);

    private async ValueTask FlushBatchCoreAsync(bool dispose)
    {
        if (_batcher is null) return;
        try
        {
            await _batcher.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Each result's own task reports the failure; the summary counts what the broker acknowledged.
        }
        if (dispose) _batcher.Dispose();
    }
}

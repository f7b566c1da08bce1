using System.Buffers;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>
/// <c>batchSize</c> / <c>lingerInterval</c>: gathers consecutive results for one topic into one message (a JSON array,
/// or delimited rows joined by line breaks) and sends it when full, when the linger time since its first result has
/// passed, when the topic changes (so order is kept), or on <see cref="FlushAsync"/>. Every result's task completes
/// with its batch's publish.
/// </summary>
internal sealed class MessageBatcher : IDisposable
{
    private readonly object _gate = new();
    private readonly int _size;
    private readonly TimeSpan _linger;
    private readonly bool _json;
    private readonly Func<TopicName, byte[], ValueTask> _publish;
    private readonly ITimer? _timer;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private TopicName _topic;
    private int _count;
    private TaskCompletionSource? _batch;
    private Task _last = Task.CompletedTask;

    public MessageBatcher(int size, TimeSpan linger, bool json, Func<TopicName, byte[], ValueTask> publish, TimeProvider time)
    {
        (_size, _linger, _json, _publish) = (size, linger, json, publish);
        if (linger > TimeSpan.Zero) _timer = time.CreateTimer(_ => OnLinger(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Messages sent so far (each holding one or more results).</summary>
    public long Batches { get; private set; }

    /// <summary>Adds one result; the task completes when the message holding it ended.</summary>
    public ValueTask AddAsync(TopicName topic, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            if (_count > 0 && !topic.Equals(_topic)) FlushLocked();
            if (_count == 0)
            {
                _topic = topic;
                _batch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_json) _buffer.Write("["u8);
                _timer?.Change(_linger, Timeout.InfiniteTimeSpan);
            }
            else _buffer.Write(_json ? ","u8 : "\n"u8);
            _buffer.Write(payload);
            _count++;
            var task = _batch!.Task;
            if (_size > 0 && _count >= _size) FlushLocked();
            return new ValueTask(task);
        }
    }

    /// <summary>Sends what is gathered now; the task completes when every batch sent so far ended.</summary>
    public ValueTask FlushAsync()
    {
        Task last;
        lock (_gate)
        {
            FlushLocked();
            last = _last;
        }
        return new ValueTask(last);
    }

    private void OnLinger()
    {
        lock (_gate)
        {
            if (_count > 0) FlushLocked();
        }
    }

    private void FlushLocked()
    {
        if (_count == 0) return;
        if (_json) _buffer.Write("]"u8);
        byte[] payload = _buffer.WrittenSpan.ToArray();
        var batch = _batch!;
        _buffer.ResetWrittenCount();
        _count = 0;
        _batch = null;
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Batches++;
        ValueTask publish;
        try
        {
            publish = _publish(_topic, payload);
        }
        catch (Exception e)
        {
            batch.TrySetException(e);
            return;
        }
        _last = Complete(publish, batch);
    }

    private static async Task Complete(ValueTask publish, TaskCompletionSource batch)
    {
        try
        {
            await publish.ConfigureAwait(false);
            batch.TrySetResult();
        }
        catch (OperationCanceledException e)
        {
            batch.TrySetCanceled(e.CancellationToken);
        }
        catch (Exception e)
        {
            batch.TrySetException(e);
        }
    }

    public void Dispose() => _timer?.Dispose();
}

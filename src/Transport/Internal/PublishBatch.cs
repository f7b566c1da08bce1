using System.Threading.Tasks.Sources;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Transport.Internal;

/// <summary>
/// The one awaitable of a <c>MqttClient.PublishManyAsync</c> call: every message of the batch is in the session
/// with this object as its state, so the session's per-message events only count down here, and the caller's task
/// completes once, when the last member ended. Pooled like <see cref="PublishCompletion"/> (two owners: the session
/// side and the awaiter), so a steady stream of batches allocates nothing. Every member except the awaiter's calls
/// runs under the client's lock.
/// </summary>
internal sealed class PublishBatch : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;
    private PublishBatchPool? _pool;
    private int _owners;
    private int _completed;
    private int _remaining;          // members not ended yet, the unaccepted ones included
    private int _failed;
    private Exception? _firstFailure;
    private CancellationTokenRegistration _cancellation;

    public PublishBatch() => _core.RunContinuationsAsynchronously = true;

    public short Version => _core.Version;

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    // The call's arguments, kept while members wait for queue room: one topic and its payloads, or messages that
    // each carry their own topic (then Payloads is empty).
    public TopicName Topic { get; private set; }
    public ReadOnlyMemory<ReadOnlyMemory<byte>> Payloads { get; private set; }
    public ReadOnlyMemory<MqttOutgoingMessage> Messages { get; private set; }

    /// <summary>Messages in the batch.</summary>
    public int Count { get; private set; }
    public QualityOfService QoS { get; private set; }
    public bool Retain { get; private set; }

    /// <summary>Members handed to the session so far: a prefix of the batch.</summary>
    public int Accepted { get; set; }

    /// <summary>This batch's place among the publishes waiting for queue room, while it waits.</summary>
    public LinkedListNode<object>? Waiting { get; set; }

    public void Start(PublishBatchPool pool, TopicName topic, ReadOnlyMemory<ReadOnlyMemory<byte>> payloads,
        ReadOnlyMemory<MqttOutgoingMessage> messages, QualityOfService qos, bool retain, int alreadyDone)
    {
        Count = payloads.Length + messages.Length;   // one of them is empty
        _pool = pool;
        _owners = 2;
        _completed = 0;
        _remaining = Count - alreadyDone;
        _failed = 0;
        _firstFailure = null;
        Topic = topic;
        Payloads = payloads;
        Messages = messages;
        QoS = qos;
        Retain = retain;
        Accepted = alreadyDone;
    }

    /// <summary>Lets <paramref name="cancellationToken"/> cancel the batch (through the pool's handler); under the lock, after the first acceptance.</summary>
    public void WatchCancellation(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled) return;
        _cancellation = cancellationToken.UnsafeRegister(static (s, ct) =>
        {
            var self = (PublishBatch)s!;
            self._pool?.OnCancelled(self, ct);
        }, this);
    }

    /// <summary>One member reached its delivery point (<paramref name="failure"/> null) or failed.</summary>
    public void OnMemberEnded(Exception? failure) => OnMembersEnded(1, failure);

    /// <summary><paramref name="count"/> members ended, failed with <paramref name="failure"/> unless it is null (the
    /// unaccepted rest of a batch the client stopped accepting, for example).</summary>
    public void OnMembersEnded(int count, Exception? failure)
    {
        if (count <= 0 || IsCompleted) return;
        if (failure is not null)
        {
            _failed += count;
            _firstFailure ??= failure;
        }
        _remaining -= count;
        if (_remaining > 0) return;
        if (_firstFailure is null) Complete(null);
        else Complete(new MqttPublishBatchException(Count, _failed, _firstFailure));
        ReleaseFromSession();
    }

    /// <summary>The caller's token fired: the batch ends now, cancelled; the session no longer refers to it.</summary>
    public void OnCancelled(int sent, CancellationToken token)
    {
        if (IsCompleted) return;
        Complete(new MqttPublishBatchCanceledException(Count, sent, token));
        ReleaseFromSession();
    }

    private void Complete(Exception? error)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0) return;
        Payloads = default;   // the caller's memory is free from here on: never keep it past the end
        Messages = default;
        if (error is null) _core.SetResult(true);
        else _core.SetException(error);
    }

    private void ReleaseFromSession() => Release();

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            _cancellation.Dispose();   // waits for a cancellation callback that is running
            _cancellation = default;
            Release();
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private void Release()
    {
        if (Interlocked.Decrement(ref _owners) != 0) return;
        _core.Reset();
        _firstFailure = null;
        _pool?.Return(this);
    }
}

/// <summary>A bounded lock-free pool of <see cref="PublishBatch"/>.</summary>
internal sealed class PublishBatchPool(int max, Action<PublishBatch, CancellationToken> onCancelled)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<PublishBatch> _items = new();
    private int _count;

    public PublishBatch Rent(TopicName topic, ReadOnlyMemory<ReadOnlyMemory<byte>> payloads, ReadOnlyMemory<MqttOutgoingMessage> messages,
        QualityOfService qos, bool retain, int alreadyDone)
    {
        if (_items.TryDequeue(out var item)) Interlocked.Decrement(ref _count);
        else item = new PublishBatch();
        item.Start(this, topic, payloads, messages, qos, retain, alreadyDone);
        return item;
    }

    internal void OnCancelled(PublishBatch item, CancellationToken token) => onCancelled(item, token);

    public void Return(PublishBatch item)
    {
        if (Interlocked.Increment(ref _count) <= max) _items.Enqueue(item);
        else Interlocked.Decrement(ref _count);
    }
}

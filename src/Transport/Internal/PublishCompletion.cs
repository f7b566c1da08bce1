using System.Threading.Tasks.Sources;

namespace ZeroDepMqtt.Transport.Internal;

/// <summary>
/// The awaitable behind one publish: pooled, so a steady stream of publishes allocates no Task or
/// TaskCompletionSource. It returns to the pool only when both owners let go: the session (its completion
/// event, or the client removing it on cancellation) and the awaiter (GetResult), so a cancelled await never
/// races a late acknowledgement.
/// </summary>
internal sealed class PublishCompletion : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;
    private PublishCompletionPool? _pool;
    private int _owners;
    private int _completed;
    private CancellationTokenRegistration _cancellation;

    public PublishCompletion() => _core.RunContinuationsAsynchronously = true;

    public short Version => _core.Version;

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public void Start(PublishCompletionPool pool)
    {
        _pool = pool;
        _owners = 2;
        _completed = 0;
    }

    /// <summary>Lets <paramref name="cancellationToken"/> cancel this publish (through the pool's handler); call once accepted.</summary>
    public void WatchCancellation(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled) return;
        _cancellation = cancellationToken.UnsafeRegister(static (s, ct) =>
        {
            var self = (PublishCompletion)s!;
            self._pool?.OnCancelled(self, ct);
        }, this);
    }

    public void TrySetResult()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0) _core.SetResult(true);
    }

    public void TrySetException(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0) _core.SetException(exception);
    }

    /// <summary>The session is done with this publish (completed, failed, or removed on cancellation).</summary>
    public void ReleaseFromSession() => Release();

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            // Waits for a cancellation callback that is running, so the object is never reused under it.
            _cancellation.Dispose();
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
        _pool?.Return(this);
    }
}

/// <summary>A bounded lock-free pool of <see cref="PublishCompletion"/>.</summary>
internal sealed class PublishCompletionPool
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<PublishCompletion> _items = new();
    private int _count;
    private readonly int _max;
    private readonly Action<PublishCompletion, CancellationToken> _onCancelled;

    public PublishCompletionPool(int max, Action<PublishCompletion, CancellationToken> onCancelled)
    {
        _max = max;
        _onCancelled = onCancelled;
    }

    public PublishCompletion Rent()
    {
        if (_items.TryDequeue(out var item)) Interlocked.Decrement(ref _count);
        else item = new PublishCompletion();
        item.Start(this);
        return item;
    }

    internal void OnCancelled(PublishCompletion item, CancellationToken token) => _onCancelled(item, token);

    public void Return(PublishCompletion item)
    {
        if (Interlocked.Increment(ref _count) <= _max) _items.Enqueue(item);
        else Interlocked.Decrement(ref _count);
    }
}

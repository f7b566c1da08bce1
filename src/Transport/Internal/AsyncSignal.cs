using System.Threading.Tasks.Sources;

namespace ZeroDepMqtt.Transport.Internal;

/// <summary>
/// An auto-reset signal with one waiter (the write loop) and many setters, allocation-free: setting it while the
/// waiter runs makes the next wait return at once, so signals coalesce into one batch of writes.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state; // 0 idle, 1 signalled, 2 waiting

    public AsyncSignal() => _core.RunContinuationsAsynchronously = true;

    public void Set()
    {
        while (true)
        {
            int s = Volatile.Read(ref _state);
            if (s == 1) return;
            if (s == 0) { if (Interlocked.CompareExchange(ref _state, 1, 0) == 0) return; continue; }
            if (Interlocked.CompareExchange(ref _state, 0, 2) == 2) { _core.SetResult(true); return; }
        }
    }

    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, 0, 1) == 1) return ValueTask.CompletedTask;
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, 2, 0) != 0)
        {
            // Set() ran between the two exchanges: consume it.
            Volatile.Write(ref _state, 0);
            return ValueTask.CompletedTask;
        }
        return new ValueTask(this, _core.Version);
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}

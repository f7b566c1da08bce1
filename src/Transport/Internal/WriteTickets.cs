using System.Threading.Tasks.Sources;

namespace ZeroDepMqtt.Transport.Internal;

/// <summary>
/// Completions for QoS 0 publishes that have to queue (the output is above its high-water mark, others queue before
/// them, or the client is not connected) and whose caller cannot cancel: instead of one pooled completion per
/// message, every such publish is the session state <c>this</c> and gets a ticket, its number in acceptance order.
/// QoS 0 messages leave the session queue in order (written, or failed by <c>FailAll</c> from the head), so ticket
/// n is done once n + 1 of them ended: a counter, not an object per message. The awaitable behind a ticket is a
/// <see cref="TicketRange"/> of 32,768 tickets (the token is the offset), so a steady stream allocates one small
/// object per 32,768 messages. All members except the awaitable's status reads run under the owner's lock (the
/// client's; the sink's shaped publishes use one of their own, for messages they take off in order too).
/// </summary>
internal sealed class WriteTickets
{
    internal const int PerRange = 1 << 15;

    private readonly object _gate;
    private long _issued;
    private long _ended;                          // written under the lock; read lock-free (64-bit aligned field)
    private TicketRange? _current;
    // Awaiters of tickets not yet ended, soonest ticket first: a caller awaiting every ticket (tens of thousands
    // outstanding) must not make each OnEnded scan them all.
    private readonly PriorityQueue<(Action<object?> Continuation, object? State, ExecutionContext? Context), long> _waiting = new();

    public WriteTickets(object gate) => _gate = gate;

    /// <summary>Tickets issued and not yet ended.</summary>
    public long Outstanding => _issued - _ended;

    /// <summary>The next ticket, for a publish the session has just accepted with this object as its state; under the lock.</summary>
    public ValueTask Issue()
    {
        long ticket = _issued++;
        if (_current is null || ticket - _current.First >= PerRange)
        {
            var range = new TicketRange(this, ticket) { Previous = _current };
            _current = range;
            // Keep older ranges only while they hold unended tickets (a failure may still be recorded in them).
            for (var r = range; r.Previous is { } older; r = older)
                if (older.First + PerRange <= _ended) { r.Previous = null; break; }
        }
        return new ValueTask(_current, (short)(ticket - _current.First));
    }

    /// <summary>The oldest outstanding ticket's publish ended (written, or failed with <paramref name="failure"/>); under the lock.</summary>
    public void OnEnded(Exception? failure)
    {
        long ticket = _ended;
        if (failure is not null) RangeOf(ticket)?.RecordFailure(ticket, failure);
        Volatile.Write(ref _ended, ticket + 1);
        while (_waiting.TryPeek(out _, out long waitingFor) && waitingFor <= ticket)
        {
            var w = _waiting.Dequeue();
            Schedule(w.Continuation, w.State, w.Context);
        }
    }

    // Failures are rare (the client gave up): finding the range by walking the chain of ranges with unended tickets is fine.
    private TicketRange? RangeOf(long ticket)
    {
        for (var r = _current; r is not null; r = r.Previous)
            if (ticket >= r.First && ticket < r.First + PerRange) return r;
        return null;
    }

    internal bool HasEnded(long ticket) => ticket < Volatile.Read(ref _ended);

    internal void OnCompleted(long ticket, Action<object?> continuation, object? state, ValueTaskSourceOnCompletedFlags flags)
    {
        var context = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
        lock (_gate)
        {
            if (ticket >= _ended)
            {
                _waiting.Enqueue((continuation, state, context), ticket);
                return;
            }
        }
        Schedule(continuation, state, context);
    }

    // Never inline: no caller code runs under the client's lock or on its loops (like PublishCompletion's
    // RunContinuationsAsynchronously). The thread pool takes an async state machine's box without allocating.
    private static void Schedule(Action<object?> continuation, object? state, ExecutionContext? context)
    {
        if (context is null) ThreadPool.UnsafeQueueUserWorkItem(continuation, state, preferLocal: false);
        else ThreadPool.QueueUserWorkItem(static s => ExecutionContext.Run(s.context, static x => { var (c, st) = ((Action<object?>, object?))x!; c(st); }, (s.continuation, s.state)),
            (context, continuation, state), preferLocal: false);
    }

    /// <summary>The awaitable of 32,768 consecutive tickets; the ValueTask token is the offset from <see cref="First"/>.</summary>
    internal sealed class TicketRange(WriteTickets owner, long first) : IValueTaskSource
    {
        public long First { get; } = first;

        // The next older range, while it still holds unended tickets (see Issue).
        public TicketRange? Previous { get; set; }

        private Dictionary<long, Exception>? _failures;   // under the lock; rare
        private volatile bool _anyFailure;

        internal void RecordFailure(long ticket, Exception failure)
        {
            (_failures ??= new())[ticket] = failure;
            _anyFailure = true;
        }

        public ValueTaskSourceStatus GetStatus(short token)
        {
            long ticket = First + (ushort)token;
            if (!owner.HasEnded(ticket)) return ValueTaskSourceStatus.Pending;
            if (!_anyFailure) return ValueTaskSourceStatus.Succeeded;
            lock (owner._gate) return _failures!.ContainsKey(ticket) ? ValueTaskSourceStatus.Faulted : ValueTaskSourceStatus.Succeeded;
        }

        public void GetResult(short token)
        {
            long ticket = First + (ushort)token;
            if (!owner.HasEnded(ticket)) throw new InvalidOperationException("the publish has not completed; await it");
            if (!_anyFailure) return;
            Exception? failure;
            lock (owner._gate) _failures!.TryGetValue(ticket, out failure);
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => owner.OnCompleted(First + (ushort)token, continuation, state, flags);
    }
}

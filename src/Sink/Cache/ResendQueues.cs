namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// resendAlterQueue: the messages an earlier run left (sequence numbers up to the recovered end) and the live ones
/// are two queues over the one log, each in its own order; <see cref="LiveFirst"/> says which goes next. The log is then
/// acknowledged per record (<see cref="CacheLog.AcknowledgeOne"/>), as messages complete out of log order.
/// Use under the cache's lock.
/// </summary>
internal sealed class ResendQueues(CacheLog.LogReader cached, CacheLog.LogReader live, long recoveredThrough, int priority)
{
    private bool _cachedDone = recoveredThrough == 0;
    private bool _liveTurn;

    /// <summary>Which queue goes first: -1 live, 1 re-sent (cached), 0 the one not served last.</summary>
    public static bool LiveFirst(int priority, bool liveTurn) => priority switch { < 0 => true, > 0 => false, _ => liveTurn };

    /// <summary>The next message to send, from the queue <see cref="LiveFirst"/> names, else from the other one.</summary>
    public bool TryNext(out long sequence, out ReadOnlySpan<byte> payload)
    {
        bool liveFirst = LiveFirst(priority, _liveTurn);
        bool found = liveFirst
            ? live.TryNext(out sequence, out payload) || TryCached(out sequence, out payload)
            : TryCached(out sequence, out payload) || live.TryNext(out sequence, out payload);
        if (found) _liveTurn = sequence <= recoveredThrough;
        return found;
    }

    private bool TryCached(out long sequence, out ReadOnlySpan<byte> payload)
    {
        sequence = 0; payload = default;
        if (_cachedDone) return false;
        if (cached.TryNext(out sequence, out payload) && sequence <= recoveredThrough) return true;
        // Past the earlier run's messages (the live queue sends the rest), or every one of them is delivered.
        _cachedDone = true;
        sequence = 0; payload = default;
        return false;
    }
}

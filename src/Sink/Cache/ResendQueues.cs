namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// resendAlterQueue: the cached messages (<see cref="CachedRanges"/>: an earlier run's, and those accepted while this
/// run's connection was lost) and the live ones are two queues over the one log, each in its own order;
/// <see cref="LiveFirst"/> says which goes next. The log is then acknowledged per record
/// (<see cref="CacheLog.AcknowledgeOne"/>), as messages complete out of log order. Each reader skips the other
/// queue's stretches (<see cref="CacheLog.LogReader.SkipThrough"/>). Use under the cache's lock.
/// </summary>
internal sealed class ResendQueues(CacheLog.LogReader cached, CacheLog.LogReader live, CachedRanges ranges, int priority)
{
    private bool _liveTurn;

    /// <summary>Which queue goes first: -1 live, 1 re-sent (cached), 0 the one not served last.</summary>
    public static bool LiveFirst(int priority, bool liveTurn) => priority switch { < 0 => true, > 0 => false, _ => liveTurn };

    /// <summary>The next message to send, from the queue <see cref="LiveFirst"/> names, else from the other one.</summary>
    public bool TryNext(out long sequence, out ReadOnlySpan<byte> payload)
    {
        bool liveFirst = LiveFirst(priority, _liveTurn);
        bool found = liveFirst
            ? TryLive(out sequence, out payload) || TryCached(out sequence, out payload)
            : TryCached(out sequence, out payload) || TryLive(out sequence, out payload);
        if (found) _liveTurn = ranges.Contains(sequence);
        return found;
    }

    private bool TryLive(out long sequence, out ReadOnlySpan<byte> payload)
    {
        while (live.TryNext(out sequence, out payload))
        {
            if (!ranges.Contains(sequence)) return true;
            // A cached stretch: the other queue sends it.
            live.SkipThrough(ranges.EndOf(sequence));
        }
        return false;
    }

    private bool TryCached(out long sequence, out ReadOnlySpan<byte> payload)
    {
        while (true)
        {
            // Cached numbers only grow at the end of the log, so a reader past every range has nothing to read yet.
            long next = ranges.FirstAtOrAfter(cached.Position + 1);
            if (next == 0) break;
            cached.SkipThrough(next - 1);
            if (!cached.TryNext(out sequence, out payload)) return false;
            if (ranges.Contains(sequence)) return true;
            // A live message (the ones in the range were delivered or dropped): look for the next range.
        }
        sequence = 0; payload = default;
        return false;
    }
}

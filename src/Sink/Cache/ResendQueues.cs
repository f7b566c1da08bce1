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
    public bool TryNext(out long sequence, out ReadOnlySpan<byte> payload) => TryNext(null, out sequence, out payload, out _);

    /// <summary>
    /// As <see cref="TryNext(out long, out ReadOnlySpan{byte})"/>, but a queue whose next message <paramref name="canTake"/>
    /// refuses is passed over (that message stays its next: each queue keeps its order), so the other queue's next one
    /// goes instead. QoS 2 uses it: a message whose packet id is still held by an older one waiting in the other queue
    /// must let that one go first. <paramref name="blocked"/>: false returned because every next message was refused.
    /// </summary>
    public bool TryNext(Func<long, bool>? canTake, out long sequence, out ReadOnlySpan<byte> payload, out bool blocked)
    {
        bool liveFirst = LiveFirst(priority, _liveTurn);
        bool found = TryQueue(liveFirst, canTake, out bool firstRefused, out sequence, out payload);
        bool secondRefused = false;
        if (!found) found = TryQueue(!liveFirst, canTake, out secondRefused, out sequence, out payload);
        blocked = !found && (firstRefused || secondRefused);
        if (found) _liveTurn = ranges.Contains(sequence);
        return found;
    }

    private bool TryQueue(bool liveQueue, Func<long, bool>? canTake, out bool refused, out long sequence, out ReadOnlySpan<byte> payload)
    {
        refused = false;
        if (!(liveQueue ? TryLive(out sequence, out payload) : TryCached(out sequence, out payload))) return false;
        if (canTake is null || canTake(sequence)) return true;
        (liveQueue ? live : cached).Unread();
        refused = true;
        sequence = 0;
        payload = default;
        return false;
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

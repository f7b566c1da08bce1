namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// The sequence numbers of the cached (re-sent) messages: an earlier run's, and those accepted while this run's
/// connection was lost. In memory only: after a restart every message is an earlier run's. Sorted, disjoint ranges,
/// appended at the end (sequence numbers only grow). Use under the cache's lock.
/// </summary>
internal sealed class CachedRanges
{
    private readonly List<(long From, long To)> _ranges = [];

    /// <summary>Ranges held (for tests).</summary>
    public int Count => _ranges.Count;

    /// <summary>Adds <paramref name="from"/> to <paramref name="to"/>, above every sequence number added before.</summary>
    public void Add(long from, long to)
    {
        if (_ranges.Count > 0 && from <= _ranges[^1].To + 1)
        {
            _ranges[^1] = (_ranges[^1].From, Math.Max(_ranges[^1].To, to));
            return;
        }
        _ranges.Add((from, to));
    }

    /// <summary>Adds one sequence number, above every one added before.</summary>
    public void Add(long sequence) => Add(sequence, sequence);

    /// <summary>Forgets the ranges wholly at or below <paramref name="acknowledged"/> (every message there is delivered).</summary>
    public void PruneThrough(long acknowledged)
    {
        int n = 0;
        while (n < _ranges.Count && _ranges[n].To <= acknowledged) n++;
        if (n > 0) _ranges.RemoveRange(0, n);
    }

    /// <summary>Whether <paramref name="sequence"/> is cached.</summary>
    public bool Contains(long sequence)
    {
        if (_ranges.Count == 0) return false;
        int i = FirstEndingAtOrAfter(sequence);
        return i < _ranges.Count && _ranges[i].From <= sequence;
    }

    /// <summary>The last sequence number of the range holding <paramref name="sequence"/> (it must be cached).</summary>
    public long EndOf(long sequence) => _ranges[FirstEndingAtOrAfter(sequence)].To;

    /// <summary>The first cached sequence number at or after <paramref name="sequence"/>; 0 when there is none.</summary>
    public long FirstAtOrAfter(long sequence)
    {
        int i = FirstEndingAtOrAfter(sequence);
        return i == _ranges.Count ? 0 : Math.Max(sequence, _ranges[i].From);
    }

    private int FirstEndingAtOrAfter(long sequence)
    {
        int lo = 0, hi = _ranges.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_ranges[mid].To < sequence) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}

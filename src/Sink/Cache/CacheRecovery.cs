namespace ZeroDepMqtt.Sink.Cache;

/// <summary>A damaged stretch of a segment that recovery skipped.</summary>
/// <param name="Segment">The segment file's name.</param>
/// <param name="Offset">Where the damage starts.</param>
/// <param name="Length">How many bytes were skipped.</param>
/// <param name="TornTail">True for the end of the newest segment (a write cut short by a crash or power cut; cut
/// off), false for damage before valid records (flipped bits, a lost block: the messages there are lost).</param>
internal sealed record CacheDamage(string Segment, long Offset, long Length, bool TornTail);

/// <summary>What opening the cache found.</summary>
internal sealed class CacheRecovery
{
    /// <summary>Messages not yet acknowledged, to be sent first.</summary>
    public long Pending { get; internal set; }

    /// <summary>Segment files read.</summary>
    public int Segments { get; internal set; }

    /// <summary>Damaged stretches skipped or cut.</summary>
    public List<CacheDamage> Damage { get; } = [];

    /// <summary>One line per damaged stretch, for the log.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var d in Damage)
            yield return d.TornTail
                ? $"cache segment {d.Segment}: cut {d.Length} byte(s) of a torn last write at offset {d.Offset} (never accepted)"
                : $"cache segment {d.Segment}: skipped {d.Length} damaged byte(s) at offset {d.Offset} (checksum or length invalid); messages stored there are lost";
    }
}

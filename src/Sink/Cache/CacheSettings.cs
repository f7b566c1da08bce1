namespace ZeroDepMqtt.Sink;

/// <summary>When a cached message counts as accepted (<c>cacheSync</c>).</summary>
public enum CacheSyncMode
{
    /// <summary>After its record was fsync'ed (group commit: one fsync for everything waiting). Survives power loss.</summary>
    Always,

    /// <summary>After its record was written; fsync every <see cref="CacheSettings.SyncInterval"/>. A power cut
    /// loses at most that much.</summary>
    Interval,

    /// <summary>After its record was written; never fsync'ed. Survives a process kill, not a power cut.</summary>
    None,
}

/// <summary>What a publish does when the cache holds <see cref="CacheSettings.MaxDiskMessages"/> (<c>cacheFullPolicy</c>).</summary>
public enum CacheFullPolicy
{
    /// <summary>Wait until acknowledgements make room (backpressure).</summary>
    Block,

    /// <summary>Do not keep the new message: the publish completes without it, and it is counted in <see cref="SinkCompletion.Dropped"/>.</summary>
    DropNewest,

    /// <summary>The publish fails with <see cref="SinkErrorKind.CacheFull"/>.</summary>
    Fail,

    /// <summary>Give up the oldest message not yet delivered to keep the new one (eKuiper's behaviour when its disk
    /// cache is full); counted in <see cref="SinkCompletion.Dropped"/>. One already sent may still arrive; it is
    /// counted as dropped, not delivered. A crash before the drop is on disk brings the dropped message back.</summary>
    DropOldest,
}

/// <summary>The resolved disk-cache options (<c>enableCache: true</c>).</summary>
public sealed record CacheSettings
{
    internal CacheSettings() { }

    /// <summary>Absolute path of the cache directory.</summary>
    public required string Directory { get; init; }

    /// <summary>Cached messages in memory and in flight at once (<c>memoryCacheThreshold</c>).</summary>
    public int MemoryMessages { get; init; }

    /// <summary>The most messages kept on disk (<c>maxDiskCache</c>).</summary>
    public int MaxDiskMessages { get; init; }

    /// <summary>Pause before each cached (re-sent) message: left by a previous run, or accepted while the connection was lost (<c>resendInterval</c>).</summary>
    public TimeSpan ResendInterval { get; init; }

    /// <summary>Delete the cache files on a stop with nothing pending (<c>cleanCacheAtStop</c>).</summary>
    public bool CleanAtStop { get; init; }

    /// <summary>The topic for cached (re-sent) messages, or null for the sink's topic (<c>resendDestination</c>).</summary>
    public string? ResendTopic { get; init; }

    /// <summary>A boolean field set to true in re-sent JSON-object payloads, or null (<c>resendIndicatorField</c>).</summary>
    public string? ResendIndicatorField { get; init; }

    /// <summary>When a message counts as accepted (<c>cacheSync</c>).</summary>
    public CacheSyncMode Sync { get; init; }

    /// <summary>With <see cref="CacheSyncMode.Interval"/>: time between fsyncs (<c>cacheSyncIntervalMs</c>).</summary>
    public TimeSpan SyncInterval { get; init; }

    /// <summary>What a publish does when the cache is full (<c>cacheFullPolicy</c>).</summary>
    public CacheFullPolicy FullPolicy { get; init; }

    /// <summary>Cached messages (left by an earlier run, or accepted while the connection was lost) are re-sent
    /// through a queue of their own, beside the live ones, in
    /// the order <see cref="ResendPriority"/> gives (<c>resendAlterQueue</c>); false: one queue, strict input order.</summary>
    public bool AlterQueue { get; init; }

    /// <summary>With <see cref="AlterQueue"/>: -1 live messages first, 0 one of each in turn, 1 re-sent messages
    /// first (<c>resendPriority</c>).</summary>
    public int ResendPriority { get; init; }
}

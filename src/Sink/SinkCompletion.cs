namespace ZeroDepMqtt.Sink;

/// <summary>
/// How a sink ended: what was handed to it and what the broker confirmed at the configured QoS. Returned by
/// <see cref="MqttSink.CompleteAsync"/> so that a message not delivered is never lost silently.
/// </summary>
/// <param name="Sent">Messages the sink accepted (<c>PublishAsync</c> calls that did not fail at once).</param>
/// <param name="Acknowledged">Messages that reached their QoS's delivery point: written (QoS 0), PUBACK (QoS 1),
/// PUBCOMP (QoS 2).</param>
/// <param name="Unacknowledged">Messages accepted but not acknowledged when the sink stopped:
/// <c>Sent - Acknowledged</c>.</param>
/// <param name="Reason">Why some were not acknowledged (the last connection error, or the disconnect timeout);
/// null when <see cref="Unacknowledged"/> is 0.</param>
public sealed record SinkCompletion(long Sent, long Acknowledged, long Unacknowledged, string? Reason)
{
    /// <summary>True when every accepted message was acknowledged.</summary>
    public bool AllAcknowledged => Unacknowledged == 0;

    /// <summary>True when the sink ended with a DISCONNECT on a live connection (so every QoS 0 message written
    /// before it reached the broker's socket); false when the connection was already gone or never made.</summary>
    public bool CleanDisconnect { get; init; }

    /// <summary>With the disk cache: messages accepted and still kept in the cache (delivered by a later run).</summary>
    public long Cached { get; init; }

    /// <summary>With the disk cache: messages not kept because the cache was full (<c>cacheFullPolicy: dropNewest</c>).</summary>
    public long Dropped { get; init; }

    /// <summary>With the disk cache: what stopped delivery (e.g. <see cref="SinkErrorKind.Unreachable"/>), or null.</summary>
    public SinkErrorKind? ErrorKind { get; init; }

    /// <summary>With the disk cache: where it is; else null.</summary>
    public string? CacheDirectory { get; init; }
}

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
/// <param name="Reason">Why the sink stopped early (another client with this client id, no progress, an abort), or
/// why some were not acknowledged (the last connection error, or the disconnect timeout); null when neither.</param>
public sealed record SinkCompletion(long Sent, long Acknowledged, long Unacknowledged, string? Reason)
{
    /// <summary>True when every accepted message was acknowledged.</summary>
    public bool AllAcknowledged => Unacknowledged == 0;

    /// <summary>True when the sink ended with a DISCONNECT on a live connection (so every QoS 0 message written
    /// before it reached the broker's socket); false when the connection was already gone or never made.</summary>
    public bool CleanDisconnect { get; init; }

    /// <summary>QoS 0 messages written on a connection that then ended without a clean DISCONNECT. QoS 0 has no
    /// acknowledgement: these may not have reached the broker, so they are not delivered as far as anyone knows.</summary>
    public long WrittenBeforeConnectionLoss { get; init; }

    /// <summary>Why the sink stopped before it was completed, or null: <see cref="SinkErrorKind.ClientIdInUse"/>,
    /// <see cref="SinkErrorKind.NoProgress"/>, <see cref="SinkErrorKind.Stopped"/> (<see cref="MqttSink.Abort"/>).
    /// <see cref="Reason"/> says it in words.</summary>
    public SinkErrorKind? StoppedBecause { get; init; }

    /// <summary>Connections the broker closed within 2 s of accepting them. Each may have been another client with the
    /// same client id taking the session over, which can make the broker drop messages it had acknowledged: a run
    /// with any of these cannot claim that everything arrived.</summary>
    public long QuickBrokerCloses { get; init; }

    /// <summary>Connections the broker closed on a QoS 2 PUBLISH while two or more QoS 2 flows were open, as a broker
    /// does over its own QoS 2 limit; two in a row halve the client's QoS 2 window (<see cref="QoS2Window"/>).</summary>
    public long QoS2LimitCloses { get; init; }

    /// <summary>The client's QoS 2 window at the end: the configured one, or less after <see cref="QoS2LimitCloses"/>.</summary>
    public int QoS2Window { get; init; }

    /// <summary>Connections that ended without the sink's DISCONNECT (the broker closed them, the network failed).</summary>
    public long ConnectionsLost { get; init; }

    /// <summary>With the disk cache: messages accepted and still kept in the cache (delivered by a later run).</summary>
    public long Cached { get; init; }

    /// <summary>With the disk cache: messages not kept because the cache was full (<c>cacheFullPolicy</c>
    /// <c>dropNewest</c>: the new ones, <c>dropOldest</c>: the oldest not yet delivered).</summary>
    public long Dropped { get; init; }

    /// <summary>With the disk cache: what stopped delivery (e.g. <see cref="SinkErrorKind.Unreachable"/>), or null.</summary>
    public SinkErrorKind? ErrorKind { get; init; }

    /// <summary>With the disk cache: where it is; else null.</summary>
    public string? CacheDirectory { get; init; }
}

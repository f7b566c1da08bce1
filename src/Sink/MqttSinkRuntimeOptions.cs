namespace ZeroDepMqtt.Sink;

/// <summary>
/// How an <see cref="MqttSink"/> behaves at run time: settings that the eKuiper options do not have. Every property
/// has a documented default; <c>new MqttSinkRuntimeOptions()</c> suits a long-running publisher.
/// </summary>
public sealed record MqttSinkRuntimeOptions
{
    /// <summary>How long <see cref="MqttSink.StartAsync"/> keeps trying to reach the broker before it fails with
    /// <see cref="SinkErrorKind.Unreachable"/>. A refusal (CONNACK) or a TLS failure fails at once. Default: 30 s.</summary>
    public TimeSpan ConnectGiveUpAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After a connection was lost: give up when no new connection succeeded for this long; every message
    /// not yet acknowledged then fails. Default: null (keep reconnecting, with backoff, forever).</summary>
    public TimeSpan? ReconnectGiveUpAfter { get; init; }

    /// <summary>Give up when messages are outstanding, the broker accepts connections, and nothing was acknowledged
    /// for this long (a broker that closes the connection after one PUBLISH, or never acknowledges): every message not
    /// yet acknowledged then fails with <see cref="SinkErrorKind.NoProgress"/> and a reason naming the likely cause.
    /// Null: never. Default: 60 s.</summary>
    public TimeSpan? NoProgressGiveUpAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>On start, discard whatever session the broker holds for this client id (one connection with clean
    /// session on, closed at once) before connecting with clean session off for the rest of the sink's life. A dead
    /// process's unfinished QoS 2 flows stay in that session and fill the broker's per-client quota, which makes the
    /// broker drop new messages it still acknowledges. Turn off only when this process resumes state the broker must
    /// keep. The disk cache at QoS 2 does that itself: while it holds messages of an earlier run it resumes the
    /// session instead (their packet ids and PUBRECs are in the cache). Default: true.</summary>
    public bool DiscardPreviousSession { get; init; } = true;

    /// <summary>How long <see cref="MqttSink.CompleteAsync"/> waits for messages not yet acknowledged (QoS 1/2) or
    /// not yet written (QoS 0) before it disconnects and counts them as unacknowledged. Default: 10 s.</summary>
    public TimeSpan DisconnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The most QoS 1/2 messages awaiting acknowledgement at once (the in-flight window). Default: 256.</summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>The most messages waiting to be sent while the window is full or the broker is away; when full,
    /// <see cref="MqttSink.PublishAsync(ReadOnlyMemory{byte}, CancellationToken)"/> waits. Default: 10,000.</summary>
    public int MaxQueuedMessages { get; init; } = 10_000;

    /// <summary>The most QoS 2 messages in flight at once, within <see cref="MaxInFlight"/>; match the broker's
    /// <c>max_inflight_messages</c> (Mosquitto's default is 20). Default: 20.</summary>
    public int MaxInFlightQoS2 { get; init; } = 20;

    /// <summary>The most payload bytes waiting to be sent; when reached, publishing waits. Default: 64 MiB.</summary>
    public long MaxQueuedBytes { get; init; } = 64L << 20;

    /// <summary>MQTT Keep Alive in seconds; 0 turns it off. Default: 60.</summary>
    public ushort KeepAliveSeconds { get; init; } = 60;

    /// <summary>How long one connection attempt (TCP, TLS and CONNACK) may take. Default: 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

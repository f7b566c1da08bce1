namespace ZeroDepMqtt.Protocol.Session;

/// <summary>Settings of a <see cref="ClientSession"/>. Every property has a documented default.</summary>
public sealed record ClientSessionOptions
{
    /// <summary>The protocol level. Default: MQTT 3.1.1.</summary>
    public MqttProtocolVersion Version { get; init; } = MqttProtocolVersion.V311;

    /// <summary>The client identifier. Required; MQTT 3.1 needs 1–23 characters.</summary>
    public required string ClientId { get; init; }

    /// <summary>
    /// CleanSession. Default: false, so the broker keeps QoS 1/2 state across reconnects and QoS 2 stays exactly-once.
    /// With true, unacknowledged messages are re-sent as new messages after a reconnect (never dropped).
    /// </summary>
    public bool CleanSession { get; init; }

    /// <summary>Keep Alive in seconds; 0 turns it off. Default: 60.</summary>
    public ushort KeepAliveSeconds { get; init; } = 60;

    /// <summary>How long to wait for PINGRESP before the connection counts as dead. Default: 30 s (MQTT 3.1 §3.1 suggests one Keep Alive period).</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for CONNACK after CONNECT is written. Default: 30 s.</summary>
    public TimeSpan ConnAckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most QoS 1/2 publishes awaiting acknowledgement at once (1–65,000). Default: 256. Once a window of 64 or
    /// more is full, new publishes go out when an eighth of it is free again, in one batch.
    /// </summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>
    /// The most QoS 2 publishes in flight at once, within <see cref="MaxInFlight"/>. Default: 20, because Mosquitto's
    /// <c>max_inflight_messages</c> (default 20) also caps a client's incoming QoS 2 flows: Mosquitto 2.0.11 acknowledges
    /// and drops what goes over, later versions close the connection. Raise it only with the broker's limit. A broker
    /// that closes the connection over its limit lowers the window the session uses (<see cref="ClientSession.QoS2Window"/>).
    /// </summary>
    public int MaxInFlightQoS2 { get; init; } = 20;

    /// <summary>The most publishes accepted but not yet in flight (queued while disconnected or while the window is full). Default: 10,000.</summary>
    public int MaxQueuedMessages { get; init; } = 10_000;

    /// <summary>The most payload bytes held in that queue. Default: 64 MiB.</summary>
    public long MaxQueuedBytes { get; init; } = 64L << 20;

    /// <summary>The user name, or null.</summary>
    public string? UserName { get; init; }

    /// <summary>The password, or null. Needs a user name (MQTT-3.1.2-22).</summary>
    public byte[]? Password { get; init; }

    /// <summary>The Will topic, or null for no Will.</summary>
    public string? WillTopic { get; init; }

    /// <summary>The Will message.</summary>
    public ReadOnlyMemory<byte> WillMessage { get; init; }

    /// <summary>The Will QoS.</summary>
    public QualityOfService WillQoS { get; init; }

    /// <summary>The Will Retain flag.</summary>
    public bool WillRetain { get; init; }
}

namespace ZeroDepMqtt.Protocol.Session;

/// <summary>What a <see cref="SessionEvent"/> reports.</summary>
public enum SessionEventKind
{
    /// <summary>CONNACK accepted the connection; <see cref="SessionEvent.SessionPresent"/> says whether the broker kept the session.</summary>
    Connected = 1,
    /// <summary>CONNACK refused the connection with <see cref="SessionEvent.ReturnCode"/>; the connection must be closed (MQTT-3.2.2-5).</summary>
    ConnectionRefused,
    /// <summary>A publish reached its QoS's delivery point: written (QoS 0), PUBACK (QoS 1), PUBCOMP (QoS 2).</summary>
    PublishCompleted,
    /// <summary>A publish was given up by <see cref="ClientSession.FailAll"/>; it is never completed after this.</summary>
    PublishFailed,
    /// <summary>SUBACK arrived; <see cref="SessionEvent.ReturnCodes"/> holds one code per filter, in order.</summary>
    SubscribeCompleted,
    /// <summary>UNSUBACK arrived.</summary>
    UnsubscribeCompleted,
    /// <summary>A SUBSCRIBE or UNSUBSCRIBE was lost with its connection or given up.</summary>
    RequestFailed,
    /// <summary>
    /// The broker answered a QoS 2 PUBLISH with PUBACK, as a broker without QoS 2 does (RabbitMQ treats QoS 2 as
    /// QoS 1): exactly-once was not given, so the publish ends here, not completed; the broker took it at QoS 1 and
    /// may deliver it. Its packet id is free again (a PUBACK ends the broker's flow). Never followed by another event
    /// for the same publish.
    /// </summary>
    PublishDowngraded,
    /// <summary>
    /// PUBREC arrived for a publish accepted with <see cref="ClientSession.TryPublishDurable"/> or
    /// <see cref="ClientSession.Restore"/> (<see cref="SessionEvent.PacketId"/>): record it durably, then call
    /// <see cref="ClientSession.Release"/>, which lets PUBREL go. Not an end: PUBCOMP still completes it.
    /// </summary>
    PublishReceived,
}

/// <summary>An output of the session for its caller. <see cref="State"/> is the object the caller passed with the request.</summary>
public readonly record struct SessionEvent(
    SessionEventKind Kind,
    object? State = null,
    bool SessionPresent = false,
    ConnectReturnCode ReturnCode = ConnectReturnCode.Accepted,
    ReadOnlyMemory<byte> ReturnCodes = default,
    ushort PacketId = 0);

/// <summary>Which deadline expired in <see cref="ClientSession.Tick"/>.</summary>
public enum SessionTimeout
{
    /// <summary>No deadline expired.</summary>
    None = 0,
    /// <summary>No PINGRESP within <see cref="ClientSessionOptions.PingTimeout"/> (MQTT 3.1.1 §3.1.2.10).</summary>
    KeepAlive,
    /// <summary>No CONNACK within <see cref="ClientSessionOptions.ConnAckTimeout"/> (MQTT 3.1.1 §3.2).</summary>
    ConnAck,
}

/// <summary>Where the session stands with its current connection.</summary>
public enum SessionState
{
    /// <summary>No connection; publishes queue.</summary>
    Disconnected = 0,
    /// <summary>CONNECT is pending or written; waiting for CONNACK.</summary>
    Connecting,
    /// <summary>CONNACK accepted; packets flow.</summary>
    Connected,
    /// <summary>DISCONNECT was written; nothing more is sent on this connection (MQTT-3.14.4-2).</summary>
    Disconnecting,
}

/// <summary>What <see cref="ClientSession.TryCancel"/> did.</summary>
public enum PublishCancelOutcome
{
    /// <summary>No publish with that state is held: it completed or failed already.</summary>
    NotFound = 0,
    /// <summary>It was still queued: removed, never sent.</summary>
    Removed,
    /// <summary>It was written already: it stays in flight with its own payload copy, and reports no event.</summary>
    Detached,
}

namespace ZeroDepMqtt.Sink;

/// <summary>What kind of failure an <see cref="MqttSinkException"/> reports.</summary>
public enum SinkErrorKind
{
    /// <summary>The settings cannot be used (a TLS file changed or vanished since it was checked).</summary>
    Configuration,

    /// <summary>The broker could not be reached within the give-up time (network error, timeout).</summary>
    Unreachable,

    /// <summary>The broker refused the connection in CONNACK (bad user name or password, not authorized, ...).</summary>
    Refused,

    /// <summary>The TLS handshake failed (untrusted or mismatched server certificate, refused client certificate).</summary>
    TlsFailure,

    /// <summary>The sink was stopped or cancelled before it was connected.</summary>
    Stopped,

    /// <summary>Another client uses the same client id: the broker kept closing this sink's connection right after
    /// accepting it while that client made progress. The sink stopped; what was not acknowledged failed.</summary>
    ClientIdInUse,

    /// <summary>The broker accepted connections but acknowledged nothing for
    /// <see cref="MqttSinkRuntimeOptions.NoProgressGiveUpAfter"/> while messages were outstanding. The sink stopped.</summary>
    NoProgress,

    /// <summary>The disk cache is full (<c>cacheFullPolicy: fail</c>).</summary>
    CacheFull,

    /// <summary>The disk cache cannot be used: locked by another process, unwritable, or a write failed (disk full).</summary>
    CacheFailure,

    /// <summary>With shaping options: a message could not be shaped (the input is not JSON, its topic does not resolve,
    /// the template does not fit it). That message was not sent; the others go on.</summary>
    InvalidMessage,

    /// <summary>The sink publishes at QoS 2 and the broker answered with PUBACK: it does not support QoS 2 (RabbitMQ
    /// downgrades to QoS 1). The sink stopped at the first such answer; what was not acknowledged failed. Use qos 1.</summary>
    QoS2NotSupported,
}

namespace ZeroDepMqtt.Transport;

/// <summary>Why a connection ended: recorded, never guessed from an exception later.</summary>
public enum MqttCloseReason
{
    /// <summary>The connection has not closed.</summary>
    None = 0,
    /// <summary>The broker closed the connection.</summary>
    BrokerClosed,
    /// <summary>A network error: reset, unreachable, refused TCP connection.</summary>
    NetworkError,
    /// <summary>No PINGRESP within the ping timeout.</summary>
    KeepAliveTimeout,
    /// <summary>The connection attempt (TCP, TLS, CONNACK) took longer than <see cref="MqttClientOptions.ConnectTimeout"/> plus the TLS handshake timeout.</summary>
    ConnectTimeout,
    /// <summary>The broker broke the protocol (malformed or unexpected packet).</summary>
    ProtocolError,
    /// <summary>The TLS handshake failed.</summary>
    TlsFailure,
    /// <summary>CONNACK refused the connection.</summary>
    Refused,
    /// <summary>The client disconnected on request.</summary>
    ClientDisconnected,
    /// <summary>The client was disposed.</summary>
    Disposed,
    /// <summary>No CONNECT could be sent: <see cref="MqttClientOptions.PasswordProvider"/> threw, or gave credentials no CONNECT can carry.</summary>
    CredentialsFailure,
    /// <summary>Not a connection's end: the broker answered a QoS 2 PUBLISH with PUBACK, so it does not support QoS 2
    /// (RabbitMQ downgrades it to QoS 1). That publish fails with this reason; the connection stays up.</summary>
    QoS2NotSupported,
    /// <summary>The client closed the connection itself after <see cref="MqttClientOptions.MaxConnectionLifetime"/>, to
    /// reconnect at once with fresh credentials (an Azure SAS token) before the broker drops it for an expired one.</summary>
    LifetimeReached,
}

using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Transport;

/// <summary>Settings of an <see cref="MqttClient"/>. Every property has a documented default.</summary>
public sealed record MqttClientOptions
{
    /// <summary>The broker to connect to. Required.</summary>
    public required BrokerAddress Broker { get; init; }

    /// <summary>Further brokers for failover, tried in order after <see cref="Broker"/>: a failed connection attempt
    /// moves on to the next address, a working connection stays where it is, and after the last address the list starts
    /// over (the reconnect backoff is waited once per round of the list). Default: none.</summary>
    public IReadOnlyList<BrokerAddress> AlternateBrokers { get; init; } = [];

    /// <summary>An HTTP proxy every connection is tunnelled through (<c>CONNECT</c>), whatever the scheme. Default:
    /// null (direct, or for <c>ws://</c>/<c>wss://</c> the proxy the environment names; see <see cref="HttpProxyFromEnvironment"/>).</summary>
    public Connections.HttpProxy? HttpProxy { get; init; }

    /// <summary>When <see cref="HttpProxy"/> is null, let WebSocket addresses use the proxy that <c>https_proxy</c>/<c>HTTPS_PROXY</c>
    /// (<c>wss://</c>) or <c>http_proxy</c>/<c>HTTP_PROXY</c> (<c>ws://</c>) names, minus <c>no_proxy</c>/<c>NO_PROXY</c> and loopback
    /// hosts, as HTTP clients do. TCP and TLS addresses never use these variables. Default: true.</summary>
    public bool HttpProxyFromEnvironment { get; init; } = true;

    /// <summary>The client identifier. Required; MQTT 3.1 needs 1–23 characters.</summary>
    public required string ClientId { get; init; }

    /// <summary>The protocol level. Default: MQTT 3.1.1.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V311;

    /// <summary>CleanSession. Default: false, so QoS 1/2 state survives reconnects on both sides.</summary>
    public bool CleanSession { get; init; }

    /// <summary>Keep Alive in seconds; 0 turns it off. Default: 60.</summary>
    public ushort KeepAliveSeconds { get; init; } = 60;

    /// <summary>How long to wait for PINGRESP. Default: 30 s.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one connection attempt may take for TCP and CONNACK, from the start of the attempt. A TLS handshake adds
    /// its own <see cref="Tls.TlsOptions.HandshakeTimeout"/> to the attempt's budget, so either can fire. Default: 10 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The user name, or null.</summary>
    public string? UserName { get; init; }

    /// <summary>
    /// The password, or null. Called before every connection attempt, so a token (an Azure SAS token) can be renewed.
    /// </summary>
    public Func<CancellationToken, ValueTask<byte[]?>>? PasswordProvider { get; init; }

    /// <summary>
    /// Close every connection this long after its attempt began (before the password was fetched) and reconnect at once,
    /// so that a password with an expiry (an Azure SAS token from <see cref="PasswordProvider"/>) is renewed before the
    /// broker drops the connection for it. What was already encoded is written first; the session re-sends unacknowledged
    /// QoS 1/2 messages as after any reconnect. Default: null (a connection stays up while it works).
    /// </summary>
    public TimeSpan? MaxConnectionLifetime { get; init; }

    /// <summary>TLS settings, used when <see cref="BrokerAddress.UseTls"/> is set. Default: system trust, no client certificate.</summary>
    public Tls.TlsOptions? Tls { get; init; }

    /// <summary>The most QoS 1/2 publishes awaiting acknowledgement at once. Default: 256 (see README, Benchmarks).</summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>The most QoS 2 publishes in flight at once. Default: 20, Mosquitto's default <c>max_inflight_messages</c>, which also caps incoming QoS 2 flows.
    /// A broker that closes the connection over its own limit lowers what the client uses (<see cref="MqttClient.QoS2Window"/>).</summary>
    public int MaxInFlightQoS2 { get; init; } = 20;

    /// <summary>The most publishes waiting to be sent (while disconnected or while the window is full). Default: 10,000.</summary>
    public int MaxQueuedMessages { get; init; } = 10_000;

    /// <summary>The most payload bytes in that queue. Default: 64 MiB.</summary>
    public long MaxQueuedBytes { get; init; } = 64L << 20;

    /// <summary>The largest packet accepted from the broker. Default: 1 MiB.</summary>
    public int MaxIncomingPacketSize { get; init; } = 1 << 20;

    /// <summary>
    /// Capacity of <see cref="MqttClient.Messages"/>. When it is full, a received message is dropped (after it was
    /// acknowledged to the broker), counted in <see cref="MqttClientMetrics.ReceivedDropped"/> and reported by
    /// <see cref="MqttClient.MessageDropped"/>: reading from the broker never waits for the application, so this client's
    /// own publishes keep being acknowledged. Read promptly or raise it. Default: 1,000.
    /// </summary>
    public int ReceiveBufferCapacity { get; init; } = 1_000;

    /// <summary>Reconnect behaviour. Default: forever, 100 ms doubling to 30 s, with jitter.</summary>
    public ReconnectOptions Reconnect { get; init; } = new();

    /// <summary>How long <see cref="MqttClient.DisconnectAsync"/> may take in all: waiting for in-flight publishes, then sending DISCONNECT. Default: 10 s.</summary>
    public TimeSpan DisconnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for every timeout, keep-alive and backoff delay of the client. Default: <see cref="TimeProvider.System"/>; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>Reconnect backoff: exponential with jitter (between half the initial delay and the current ceiling) and a cap.</summary>
public sealed record ReconnectOptions
{
    /// <summary>The first delay. Default: 100 ms.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest delay. Default: 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Give up after this many failed attempts in a row; null for never. Default: null.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Give up when no connection succeeded for this long; null for never. Default: null.</summary>
    public TimeSpan? GiveUpAfter { get; init; }

    /// <summary>Stop after the same refusal (bad user name or password, not authorized, identifier rejected) this many times in a row. Default: 2.</summary>
    public int MaxSameRefusals { get; init; } = 2;
}

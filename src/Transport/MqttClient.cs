using System.Threading.Channels;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Transport;

/// <summary>
/// An MQTT 3.1/3.1.1 client: runs a <see cref="ClientSession"/> over TCP or TLS, keeps it alive, reconnects with
/// backoff and re-sends what the session says. Thread-safe. Split by concern: <c>.Lifecycle.cs</c> (the one
/// <see cref="MqttClientState"/> and what each transition ends), <c>.Publish.cs</c> (admission in call order,
/// cancellation), <c>.Subscribe.cs</c>, <c>.Connection.cs</c> (connect, reconnect, disconnect), <c>.Loops.cs</c>
/// (read loop, timer), <c>.Output.cs</c> (encoding into the output pipe, the send loop).
/// </summary>
public sealed partial class MqttClient : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly ClientSession _session;
    private readonly object _gate = new();                      // guards _session and every mutable field of the client
    private readonly PublishCompletionPool _completions;
    private readonly PublishBatchPool _batches;                 // the one completion of each PublishManyAsync call
    private readonly WriteTickets _tickets;                     // queued QoS 0 publishes that cannot be cancelled; see WriteTickets
    private readonly Channel<MqttApplicationMessage> _received;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly MqttClientMetrics _metrics;
    private readonly Tls.TlsConnector? _tls;

    /// <summary>Counters: published, acknowledged, connections, flushes, received messages dropped.</summary>
    public MqttClientMetrics Metrics => _metrics;

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">Options no CONNECT could carry (client id, credentials), or TLS options for a plain address.</exception>
    /// <exception cref="Tls.TlsConfigurationException">A CA or client certificate file cannot be used; <see cref="Tls.ClientCertificateException"/> when the key does not match the certificate.</exception>
    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = options.TimeProvider ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
        // Reads the CA and client certificate files now: a missing file or a key that does not match its
        // certificate fails here, naming both files, before any connection is tried.
        if (options.Broker.UseTls || options.AlternateBrokers.Any(b => b.UseTls)) _tls = new Tls.TlsConnector(WithCloudDefaults(options.Broker, options.Tls ?? new Tls.TlsOptions(), options.UserName));
        else if (options.Tls is { InsecureSkipVerify: true } or { HasClientCertificate: true } or { RootCaPath: not null } or { RootCaPem: not null })
            throw new ArgumentException($"TLS options were given for {options.Broker}, which is not a TLS address (use ssl://, tls:// or wss://)", nameof(options));
        _session = new ClientSession(new ClientSessionOptions
        {
            Version = options.ProtocolVersion,
            ClientId = options.ClientId,
            CleanSession = options.CleanSession,
            KeepAliveSeconds = options.KeepAliveSeconds,
            PingTimeout = options.PingTimeout,
            // The client's own attempt deadline (AttemptTimeout, from before the TCP connect) always ends first;
            // the session's is the same length from the later CONNECT write, so it never doubles the timeout.
            ConnAckTimeout = AttemptTimeout,
            MaxInFlight = options.MaxInFlight,
            MaxInFlightQoS2 = options.MaxInFlightQoS2,
            MaxQueuedMessages = options.MaxQueuedMessages,
            MaxQueuedBytes = options.MaxQueuedBytes,
            UserName = options.UserName,
        });
        _tickets = new WriteTickets(_gate);
        _batches = new PublishBatchPool(1024, OnBatchCancelled);
        _completions = new PublishCompletionPool(options.MaxInFlight + options.MaxQueuedMessages, OnPublishCancelled);
        _received = Channel.CreateBounded<MqttApplicationMessage>(new BoundedChannelOptions(options.ReceiveBufferCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,   // only TryWrite is used: a full channel refuses, the read loop never waits
        });
        _metrics = new MqttClientMetrics(this);
    }

    /// <summary>The options.</summary>
    public MqttClientOptions Options => _options;

    /// <summary>
    /// Messages received for this client's subscriptions, in arrival order. Holds up to
    /// <see cref="MqttClientOptions.ReceiveBufferCapacity"/>; a message arriving when it is full is dropped, counted in
    /// <see cref="MqttClientMetrics.ReceivedDropped"/> and reported by <see cref="MessageDropped"/>, so that reading from
    /// the broker (and with it every acknowledgement of this client's publishes) never waits for the application.
    /// </summary>
    public ChannelReader<MqttApplicationMessage> Messages => _received.Reader;

    /// <summary>Where the client is in its life; see <see cref="MqttClientState"/>.</summary>
    public MqttClientState State { get { lock (_gate) return _state; } }

    /// <summary>Whether a connection is up and CONNACK accepted it.</summary>
    public bool IsConnected { get { lock (_gate) return _session.State == SessionState.Connected; } }

    /// <summary>Why the last connection ended; <see cref="MqttCloseReason.None"/> before any ended.</summary>
    public MqttCloseReason LastCloseReason { get { lock (_gate) return _lastCloseReason; } }

    /// <summary>The error that ended the last connection, if any (never contains a password).</summary>
    public Exception? LastCloseError { get { lock (_gate) return _lastCloseError; } }

    /// <summary>The error of the last connection or connection attempt that failed (never contains a password); null
    /// until one failed. Unlike <see cref="LastCloseError"/> it is kept when a later end has no error: a close the
    /// client causes itself (<see cref="DisconnectAsync"/>, disposing, even during an attempt) does not erase why the
    /// connections before it failed. What to report when giving up.</summary>
    public Exception? LastConnectionError { get { lock (_gate) return _lastConnectionError; } }

    /// <summary>QoS 1/2 publishes awaiting acknowledgement.</summary>
    public int InFlightCount { get { lock (_gate) return _session.InFlightCount; } }

    /// <summary>Publishes accepted but not yet sent.</summary>
    public int QueuedCount { get { lock (_gate) return _session.QueuedCount; } }

    internal long ResentCount { get { lock (_gate) return _session.ResentCount; } }

    /// <summary>The most QoS 2 publishes in flight at once now: <see cref="MqttClientOptions.MaxInFlightQoS2"/>, or less
    /// after the broker twice in a row closed the connection on a QoS 2 PUBLISH, as a broker does past its own limit
    /// (see <see cref="ZeroDepMqtt.Protocol.Session.ClientSession.QoS2Window"/>). It does not grow back within this client.</summary>
    public int QoS2Window { get { lock (_gate) return _session.QoS2Window; } }

    /// <summary>Whether the last connection's end looked like the broker's QoS 2 limit (see <see cref="ZeroDepMqtt.Protocol.Session.ClientSession.LastCloseLookedLikeQoS2Limit"/>);
    /// current within a <see cref="ConnectionLost"/> handler.</summary>
    internal bool LastCloseLookedLikeQoS2Limit { get { lock (_gate) return _session.LastCloseLookedLikeQoS2Limit; } }

    /// <summary>Raised (on a thread-pool thread) when a connection ends, with its reason. Handlers must not block.</summary>
    public event Action<MqttCloseReason, Exception?>? ConnectionLost;

    /// <summary>Raised when a connection is accepted; the argument is CONNACK's Session Present. Handlers must not block.</summary>
    public event Action<bool>? Connected;

    /// <summary>Raised on the read loop for a received message dropped because <see cref="Messages"/> was full. Handlers must not block.</summary>
    public event Action<MqttApplicationMessage>? MessageDropped;

    /// <summary>
    /// Raised once, on the read loop, when the broker first answers a QoS 2 PUBLISH with PUBACK: it does not support
    /// QoS 2 (RabbitMQ downgrades to QoS 1). Each such publish fails with <see cref="MqttCloseReason.QoS2NotSupported"/>
    /// (the broker took it at QoS 1 and may deliver it); it is not sent again. Handlers must not block.
    /// </summary>
    public event Action<MqttClientException>? QoS2NotSupported;

    private MqttClientException? _qos2NotSupported;   // set under the lock by the first downgrade; raised once after it
    private bool _qos2NotSupportedRaised;

    private MqttClientException NewQoS2NotSupported() => new(MqttCloseReason.QoS2NotSupported,
        $"{CurrentBroker} answered a QoS 2 PUBLISH with PUBACK: it does not support QoS 2 (RabbitMQ downgrades to QoS 1); "
        + "the message was taken at QoS 1 and may be delivered, but not exactly once: publish at QoS 1 to this broker");

    /// <summary>Raises <see cref="QoS2NotSupported"/> the first time a downgrade was seen; outside the lock.</summary>
    private void RaiseQoS2NotSupportedOnce()
    {
        if (Volatile.Read(ref _qos2NotSupported) is null || _qos2NotSupportedRaised) return;   // the read loop's usual case, lock-free
        MqttClientException? error;
        lock (_gate)
        {
            if (_qos2NotSupportedRaised || _qos2NotSupported is null) return;
            _qos2NotSupportedRaised = true;
            error = _qos2NotSupported;
        }
        Raise(QoS2NotSupported, error);
    }

    /// <summary>
    /// Raised (on a thread-pool thread) when, after a reconnect, the broker refused to restore a subscription
    /// (SUBACK 0x80): the filter is forgotten and no longer re-made.
    /// </summary>
    public event Action<string, MqttClientException>? ResubscribeFailed;

    /// <summary>The TLS options with the ALPN of <see cref="Tls.AwsIotAlpn"/> filled in for AWS IoT on port 443.</summary>
    internal static Tls.TlsOptions WithCloudDefaults(BrokerAddress broker, Tls.TlsOptions tls, string? userName)
        => Tls.AwsIotAlpn.For(broker, tls, userName) is { } alpn && !ReferenceEquals(alpn, tls.ApplicationProtocols)
            ? tls with { ApplicationProtocols = alpn }
            : tls;

    private static void Raise<T>(Action<T>? handler, T arg)
    {
        // A throwing handler must not take the connection supervisor down with it.
        try { handler?.Invoke(arg); } catch (Exception) { }
    }

    private TimeSpan Now => _time.GetElapsedTime(_startTimestamp);

    /// <summary>
    /// Completes or fails what the session reported; called under the lock. Safe there because every completion
    /// runs its continuation asynchronously: no caller code runs inside the lock.
    /// </summary>
    private void DispatchLocked(List<SessionEvent> events)
    {
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case SessionEventKind.PublishCompleted:
                    _metrics.OnAcknowledged();
                    if (e.State is PublishCompletion done) { done.TrySetResult(); done.ReleaseFromSession(); }
                    else if (ReferenceEquals(e.State, _tickets)) _tickets.OnEnded(null);
                    else if (e.State is PublishBatch member) member.OnMemberEnded(null);
                    break;
                case SessionEventKind.PublishDowngraded:
                    var downgraded = NewQoS2NotSupported();
                    _qos2NotSupported ??= downgraded;
                    if (e.State is PublishCompletion refused)
                    {
                        refused.TrySetException(downgraded);
                        refused.ReleaseFromSession();
                    }
                    else if (e.State is PublishBatch downgradedMember) downgradedMember.OnMemberEnded(downgraded);
                    break;
                case SessionEventKind.PublishFailed:
                    if (e.State is PublishCompletion failed)
                    {
                        failed.TrySetException(_pendingFailure?.Invoke() ?? NewFault());
                        failed.ReleaseFromSession();
                    }
                    else if (ReferenceEquals(e.State, _tickets)) _tickets.OnEnded(_pendingFailure?.Invoke() ?? NewFault());
                    else if (e.State is PublishBatch failedMember) failedMember.OnMemberEnded(_pendingFailure?.Invoke() ?? NewFault());
                    break;
                case SessionEventKind.PublishReceived:
                    OnPublishReceivedLocked(e);
                    break;
                default:
                    OnRequestEvent(e);
                    break;
            }
        }
        events.Clear();
        AdmitWaitersLocked();
        if (_drained is { } drained && _session.InFlightCount == 0 && _session.QueuedCount == 0) drained.TrySetResult();
    }

    private void DrainEvents(List<SessionEvent> into)
    {
        while (_session.TryGetEvent(out var e)) into.Add(e);
    }

    private readonly List<SessionEvent> _lockedEvents = new();

    /// <summary>Drains the session's events and dispatches them; under the lock.</summary>
    private void DispatchSessionEventsLocked()
    {
        DrainEvents(_lockedEvents);
        DispatchLocked(_lockedEvents);
    }
}

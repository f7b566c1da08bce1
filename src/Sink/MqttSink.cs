using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// Publishes messages to the topic of a resolved configuration (<see cref="SinkSettings"/>), at its QoS and retain
/// flag. Create it, <see cref="StartAsync"/> it, call <see cref="PublishAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// as often as you like (concurrently, keeping many outstanding), then <see cref="CompleteAsync"/> to flush and learn
/// what the broker did not acknowledge. Thread-safe.
/// </summary>
/// <remarks>
/// QoS 1/2 messages survive dropped connections: they are kept until acknowledged and resent after a reconnect
/// (clean session is off, so QoS 2 stays exactly-once). A sink that has nothing to resume first discards the session
/// the broker may hold for its client id (<see cref="MqttSinkRuntimeOptions.DiscardPreviousSession"/>). It stops
/// instead of resending forever when another client uses its client id or the broker acknowledges nothing
/// (<see cref="MqttSinkRuntimeOptions.NoProgressGiveUpAfter"/>). While the broker is away, new messages wait in a bounded
/// queue (<see cref="MqttSinkRuntimeOptions.MaxQueuedMessages"/>); when it is full, publishing waits.
/// </remarks>
public sealed partial class MqttSink : IAsyncDisposable
{
    private const int Created = 0, Starting = 1, Started = 2, Completing = 3;

    private readonly MqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly DeliveryWatch _watch;
    private string? _stopReason;
    private SinkErrorKind? _stopKind;
    private readonly TopicName _topic;
    private readonly int _cloudMaxPayload;          // int.MaxValue unless the host names a cloud broker with a limit
    private readonly MqttSinkRuntimeOptions _runtime;
    private readonly object _gate = new();
    private int _state;
    private Task<SinkCompletion>? _completion;
    private Cache.DiskCache? _cache;
    private Task? _cacheConnect;
    private MqttSinkException? _cacheFault;

    /// <summary>Creates a sink; nothing happens on the network until <see cref="StartAsync"/>.</summary>
    /// <param name="settings">The resolved configuration (from <see cref="MqttSinkConfig"/>).</param>
    /// <param name="runtime">Run-time behaviour; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> is null.</exception>
    /// <exception cref="MqttSinkException">A TLS file cannot be used (<see cref="SinkErrorKind.Configuration"/>): it was
    /// checked when the configuration was loaded, so it changed since.</exception>
    public MqttSink(SinkSettings settings, MqttSinkRuntimeOptions? runtime = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        _runtime = runtime ?? new MqttSinkRuntimeOptions();
        // Validated once here, so that publishing encodes the topic without checking or allocating.
        _topic = TopicName.Create(settings.Topic);
        _cloudMaxPayload = settings.CloudMaxPayloadBytes ?? int.MaxValue;
        try
        {
            _clientOptions = SinkSettingsMapping.ToClientOptions(settings, _runtime);
            _client = new MqttClient(_clientOptions);
        }
        catch (Exception e) when (e is TlsConfigurationException or ArgumentException)
        {
            throw new MqttSinkException(SinkErrorKind.Configuration, e.Message, e);
        }
        _watch = new DeliveryWatch(_client, settings, _runtime.NoProgressGiveUpAfter, Stop);
        _shaper = settings.Shaper;
        if (_shaper is { Batches: true })
            _batcher = new Shaping.MessageBatcher(_shaper.BatchSize, _shaper.LingerInterval, _shaper.Format == Shaping.ShapeFormat.Json,
                PublishBatch, TimeProvider.System);
    }

    /// <summary>The configuration this sink publishes with.</summary>
    public SinkSettings Settings { get; }

    /// <summary>Messages accepted so far (with the disk cache: stored in it).</summary>
    public long Sent => _cache?.Accepted ?? _client.Metrics.Published;

    /// <summary>Messages accepted but not written to a connection yet (waiting for window room or for the broker).</summary>
    public long Queued => _client.QueuedCount;

    /// <summary>Messages that reached their QoS's delivery point so far (with the disk cache: including ones an
    /// earlier run left in it).</summary>
    public long Acknowledged => _cache?.Delivered ?? _client.Metrics.Acknowledged;

    /// <summary>With the disk cache: messages in it not yet delivered; else 0.</summary>
    public long Cached => _cache?.Pending ?? 0;

    /// <summary>With the disk cache: messages it held at start, left by an earlier run; else 0.</summary>
    public long Recovered => _cache?.Recovery.Pending ?? 0;

    /// <summary>With the disk cache: damage found at start (one line each), e.g. a torn last write that was cut off.</summary>
    public IReadOnlyList<string> CacheRecoveryReport => _cache is null ? [] : [.. _cache.Recovery.Describe()];

    /// <summary>With the disk cache: fsyncs made and the records they made durable.</summary>
    public (long Fsyncs, long Records) CacheSyncStats => _cache?.SyncStats ?? default;

    /// <summary>The disk cache, when enabled (for tests).</summary>
    internal Cache.DiskCache? DiskCache => _cache;

    /// <summary>The sink's client (for tests).</summary>
    internal MqttClient Client => _client;

    /// <summary>Whether a connection to the broker is up right now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>How the sink ended, once <see cref="CompleteAsync"/> or <see cref="DisposeAsync"/> finished; else null.</summary>
    public SinkCompletion? Completion => _completion is { IsCompletedSuccessfully: true } done ? done.Result : null;

    /// <summary>
    /// Connects and returns once the broker accepted the connection. Network failures are retried with backoff for up
    /// to <see cref="MqttSinkRuntimeOptions.ConnectGiveUpAfter"/>; a refusal or a TLS failure fails at once.
    /// </summary>
    /// <exception cref="MqttSinkException">The broker was unreachable (<see cref="SinkErrorKind.Unreachable"/>), refused
    /// the connection (<see cref="SinkErrorKind.Refused"/>, the message names the CONNACK reason), or TLS failed
    /// (<see cref="SinkErrorKind.TlsFailure"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="InvalidOperationException">Called twice, or after <see cref="CompleteAsync"/>.</exception>
    public async ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Starting, Created) != Created)
            throw new InvalidOperationException("the sink was already started (StartAsync is called once)");
        if (Settings.Cache is { } cache)
        {
            // Store and forward: accept into the cache at once; connect (within the give-up time) and drain behind.
            _cache = Cache.DiskCache.Open(cache, Settings.ClientId, Settings.ClientIdGenerated);
            _cache.Watch(_client);
            Interlocked.CompareExchange(ref _state, Started, Starting);
            _cacheConnect = ConnectAndForwardAsync(cache);
            return;
        }
        await ConnectCoreAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _state, Started, Starting);
    }

    private async Task ConnectAndForwardAsync(CacheSettings cache)
    {
        try
        {
            var resend = cache.ResendTopic is null ? (TopicName?)null : TopicName.Create(cache.ResendTopic);
            // QoS 1: a killed run's session is discarded (DiscardPreviousSession) and the cache re-sends every
            // unacknowledged message: at least once. QoS 2: the cache holds each message's packet id and PUBREC, so the
            // broker's session is resumed while the cache holds messages of an earlier run (PUBREL re-sent, PUBLISH with
            // DUP and its id): exactly once while the broker keeps the session. An empty cache owes the broker nothing.
            bool resume = Settings.Qos == QualityOfService.ExactlyOnce
                && _cache!.AttachExactlyOnce(_client, _topic, resend, Settings.Retained);
            await ConnectCoreAsync(CancellationToken.None, discardPreviousSession: _runtime.DiscardPreviousSession && !resume).ConfigureAwait(false);
            _cache!.StartForwarding(_client, _topic, resend, Settings.Qos, Settings.Retained, OnForwardFault);
        }
        catch (MqttSinkException e)
        {
            _cacheFault ??= e;
        }
        catch (OperationCanceledException)
        {
            // Completed before a connection was made.
        }
    }

    private void OnForwardFault(Exception e)
        => _cacheFault ??= e as MqttSinkException ?? new MqttSinkException(SinkErrorKind.Unreachable,
            $"no connection to {Settings.Broker}: {(e is MqttClientException ? _client.LastConnectionError?.Message ?? e.Message : e.Message)}", e);

    private ValueTask ConnectCoreAsync(CancellationToken cancellationToken) => ConnectCoreAsync(cancellationToken, _runtime.DiscardPreviousSession);

    private async ValueTask ConnectCoreAsync(CancellationToken cancellationToken, bool discardPreviousSession)
    {
        var broker = Settings.Broker;
        var limit = _runtime.ConnectGiveUpAfter;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A timer, not the client's reconnect policy: it also ends an attempt that hangs (a silent host).
        giveUp.CancelAfter(limit);
        var connecting = _client;
        var start = new StartWatch(broker, giveUp);
        long started = TimeProvider.System.GetTimestamp();
        _client.ConnectionLost += start.OnConnectionLost;
        try
        {
            if (discardPreviousSession)
            {
                // Clean session on, closed at once: whatever a dead predecessor left for this client id is gone, and
                // the session the sink then keeps (clean session off) starts empty. One connection with clean session
                // on for the whole run would lose the broker's QoS 2 state when it drops (duplicates after a resend).
                await using var clean = new MqttClient(_clientOptions with { CleanSession = true });
                clean.ConnectionLost += start.OnConnectionLost;
                connecting = clean;
                await clean.ConnectAsync(giveUp.Token).ConfigureAwait(false);
                await clean.DisconnectAsync(giveUp.Token).ConfigureAwait(false);
                connecting = _client;
            }
            await _client.ConnectAsync(giveUp.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw NotConnectedInTime();
        }
        catch (MqttClientException e) when (e is not MqttConnectionRefusedException && e.Reason != MqttCloseReason.TlsFailure
            && TimeProvider.System.GetElapsedTime(started) >= limit)
        {
            // The client's reconnect bound (the same length, from the CLI) ran out a moment before our timer fired:
            // the same fact, so the same message.
            throw NotConnectedInTime();
        }
        catch (MqttConnectionRefusedException e)
        {
            throw new MqttSinkException(SinkErrorKind.Refused, $"{e.Message}{RefusalHint(e.ReturnCode)}", e);
        }
        catch (MqttClientException e) when (e.Reason == MqttCloseReason.TlsFailure)
        {
            throw new MqttSinkException(SinkErrorKind.TlsFailure, $"TLS connection to {broker} failed: {e.Message}", e);
        }
        catch (MqttClientException e)
        {
            throw new MqttSinkException(SinkErrorKind.Unreachable, $"could not connect to {broker}: {e.Message}", e);
        }
        catch (TlsConfigurationException e)
        {
            throw new MqttSinkException(SinkErrorKind.Configuration, e.Message, e);
        }
        finally
        {
            _client.ConnectionLost -= start.OnConnectionLost;
        }

        MqttSinkException NotConnectedInTime()
        {
            string last = connecting.LastConnectionError?.Message ?? "no connection attempt finished";
            if (start.Verdict is { } verdict) return new MqttSinkException(SinkErrorKind.Unreachable, $"could not connect to {broker}: {verdict} (last error: {last})");
            return new MqttSinkException(SinkErrorKind.Unreachable,
                $"could not connect to {broker} within {Seconds(limit)} s (last error: {last}){start.Hint}");
        }
    }

    /// <summary>
    /// Publishes one message (or, with shaping options, the messages one JSON value becomes). The returned task completes at the QoS's delivery point: written to the connection
    /// (QoS 0), PUBACK (QoS 1), PUBCOMP (QoS 2). Keep many outstanding for throughput; await each exactly once.
    /// </summary>
    /// <param name="payload">The payload. <b>Its memory must stay unchanged until the returned task completes</b>:
    /// it is not copied when accepted, only into the connection's buffer (and again on a resend). Do not reuse or
    /// return a pooled buffer before then.</param>
    /// <param name="cancellationToken">Cancels waiting (for queue room or for the acknowledgement); a message already
    /// accepted may still be delivered, and its payload may still be read until the sink completes.</param>
    /// <exception cref="InvalidOperationException">The sink is not started, or already completing.</exception>
    /// <exception cref="ArgumentException">The payload is too large for one MQTT packet, or larger than the cloud broker
    /// the host names accepts (<see cref="SinkSettings.CloudMaxPayloadBytes"/>).</exception>
    /// <exception cref="MqttSinkException">Shaping options are set and the input, or a message it became, could not be
    /// shaped (<see cref="SinkErrorKind.InvalidMessage"/>: not JSON, a topic that does not resolve); the other messages
    /// of the same input are still published.</exception>
    /// <exception cref="MqttClientException">The sink gave up (no connection within
    /// <see cref="MqttSinkRuntimeOptions.ReconnectGiveUpAfter"/>, a refusal) or completed before delivery.</exception>
    public ValueTask PublishAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _state) != Started) ThrowNotStarted();
        if (_shaper is not null) return PublishShaped(payload, cancellationToken);
        if (payload.Length > _cloudMaxPayload) return ValueTask.FromException(CloudPayloadTooLarge(payload.Length));
        if (_cache is { } cache)
            return _cacheFault is { } fault ? ValueTask.FromException(fault) : cache.AcceptAsync(payload, cancellationToken);
        return _client.PublishAsync(_topic, payload, Settings.Qos, Settings.Retained, cancellationToken);
    }

    /// <summary>Whether <see cref="PublishManyAsync(ReadOnlyMemory{ReadOnlyMemory{byte}}, Action{int, string}?, CancellationToken)"/>
    /// hands a batch to the client in one call: without the disk cache and, with shaping options, without
    /// <c>batchSize</c>/<c>lingerInterval</c> (which gather results into messages of their own).</summary>
    public bool PublishesBatches => _cache is null && _batcher is null;

    /// <summary>Publishes many payloads as one batch; see <see cref="PublishManyAsync(ReadOnlyMemory{ReadOnlyMemory{byte}}, Action{int, string}?, CancellationToken)"/>.
    /// With shaping options, an input that cannot be shaped makes the task fail with <see cref="MqttSinkException"/>
    /// (<see cref="SinkErrorKind.InvalidMessage"/>) after the rest of the batch ended; pass a callback to learn which.</summary>
    public ValueTask PublishManyAsync(ReadOnlyMemory<ReadOnlyMemory<byte>> payloads, CancellationToken cancellationToken = default)
        => PublishManyAsync(payloads, onRejected: null, cancellationToken);

    /// <summary>
    /// Publishes many payloads as one batch (see <see cref="MqttClient.PublishManyAsync(TopicName, ReadOnlyMemory{ReadOnlyMemory{byte}}, QualityOfService, bool, CancellationToken)"/>):
    /// one lock acquisition and one completion for the batch, in order and after every earlier call's messages. The
    /// task completes when every message reached its QoS's delivery point; <see cref="MqttPublishBatchException"/> says
    /// how many failed (except for the QoS 0 case the client's method names). Only where <see cref="PublishesBatches"/> holds; otherwise publish one by one.
    /// With shaping options each payload is an input: each is shaped in turn (dynamic topics, <c>fields</c>,
    /// <c>dataTemplate</c>, <c>sendSingle</c>, compression) and the messages they became, in input order, go to the
    /// client as one batch whose messages carry their own topics (<see cref="MqttClient.PublishManyAsync(ReadOnlyMemory{MqttOutgoingMessage}, QualityOfService, bool, CancellationToken)"/>).
    /// An input that cannot be shaped (not JSON, a topic that does not resolve) fails alone, as with
    /// <see cref="PublishAsync(ReadOnlyMemory{byte}, CancellationToken)"/>: its messages that could be shaped still go,
    /// it is counted in <see cref="Rejected"/>, and the rest of the batch goes on; empty results with <c>omitIfEmpty</c>
    /// count in <see cref="Omitted"/>.
    /// </summary>
    /// <param name="payloads">The payloads (inputs, with shaping options); <b>neither the array nor their memory may change until the task ends</b>.</param>
    /// <param name="onRejected">With shaping options: called for each input that could not be shaped, with its index in
    /// <paramref name="payloads"/> and the reason, synchronously, before this method returns; the task then reports only
    /// the publishing. Null: the task fails with <see cref="SinkErrorKind.InvalidMessage"/> after the rest ended.</param>
    /// <param name="cancellationToken">Cancels what of the batch was not written yet (never sent); see
    /// <see cref="MqttPublishBatchCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">The sink is not started, or already completing, or caches messages or batches shaped results.</exception>
    /// <exception cref="ArgumentException">A payload (a shaped one, with shaping options) is too large for one packet or
    /// for the cloud broker the host names, or a topic is too long for MQTT 3.1: nothing of the batch is accepted.</exception>
    public ValueTask PublishManyAsync(ReadOnlyMemory<ReadOnlyMemory<byte>> payloads, Action<int, string>? onRejected, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _state) != Started) ThrowNotStarted();
        if (!PublishesBatches) throw new InvalidOperationException("PublishManyAsync needs a sink without a cache and without batchSize/lingerInterval; publish one by one");
        if (_shaper is not null) return PublishManyShaped(payloads, onRejected, cancellationToken);
        if (_cloudMaxPayload != int.MaxValue)
            foreach (var p in payloads.Span)
                if (p.Length > _cloudMaxPayload) return ValueTask.FromException(CloudPayloadTooLarge(p.Length));
        return _client.PublishManyAsync(_topic, payloads, Settings.Qos, Settings.Retained, cancellationToken);
    }

    /// <summary>Publishes <paramref name="payload"/> as UTF-8; see <see cref="PublishAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// The encoded bytes belong to the sink, so nothing needs to stay untouched.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="payload"/> is null.</exception>
    public ValueTask PublishAsync(string payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return PublishAsync(Encoding.UTF8.GetBytes(payload), cancellationToken);
    }

    /// <summary>
    /// Stops accepting messages, waits up to <see cref="MqttSinkRuntimeOptions.DisconnectTimeout"/> for the ones not
    /// yet acknowledged, disconnects cleanly, and reports what was and was not acknowledged. Publishes still
    /// outstanding after the wait fail. Calling it again returns the same summary.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the summary (the sink completes anyway).</param>
    public ValueTask<SinkCompletion> CompleteAsync(CancellationToken cancellationToken = default)
    {
        Task<SinkCompletion> completion;
        lock (_gate) completion = _completion ??= CompleteCoreAsync();
        return new ValueTask<SinkCompletion>(completion.WaitAsync(cancellationToken));
    }

    /// <summary>Completes the sink (see <see cref="CompleteAsync"/>) unless already done; never throws. The summary
    /// is then in <see cref="Completion"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Dispose never throws; CompleteCoreAsync itself catches everything it expects.
        }
    }

    private async Task<SinkCompletion> CompleteCoreAsync()
    {
        Interlocked.Exchange(ref _state, Completing);
        if (_cache is not null) return await CompleteCachedAsync(_cache).ConfigureAwait(false);
        await FlushBatchAsync().ConfigureAwait(false);
        try
        {
            await _client.DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Whatever stopped the disconnect, the counts below tell what was delivered.
        }
        var after = _client.LastCloseReason;
        var lastError = _client.LastConnectionError;
        _watch.Dispose();
        long sent = _client.Metrics.Published, acknowledged = _client.Metrics.Acknowledged;
        await _client.DisposeAsync().ConfigureAwait(false);
        long unacknowledged = Math.Max(0, sent - acknowledged);
        bool clean = after == MqttCloseReason.ClientDisconnected && Volatile.Read(ref _stopReason) is null;
        string waited = Settings.Qos == QualityOfService.AtMostOnce ? "they were not written" : $"{Settings.Broker} did not acknowledge them";
        string? reason = Volatile.Read(ref _stopReason) ?? (unacknowledged == 0 ? null
            : !clean && lastError is not null
                ? $"no connection to {Settings.Broker}: {lastError.Message}"
                : $"{waited} within {Seconds(_runtime.DisconnectTimeout)} s");
        return new SinkCompletion(sent, acknowledged, unacknowledged, reason)
        {
            CleanDisconnect = clean,
            WrittenBeforeConnectionLoss = _watch.WrittenBeforeConnectionLoss,
            ConnectionsLost = _watch.ConnectionsLost,
            QuickBrokerCloses = _watch.QuickBrokerCloses,
            QoS2LimitCloses = _watch.QoS2LimitCloses,
            QoS2Window = _client.QoS2Window,
            StoppedBecause = _stopReason is null ? null : _stopKind,
        };
    }

    /// <summary>
    /// Stops at once: every message not yet acknowledged fails with <paramref name="reason"/>, and
    /// <see cref="CompleteAsync"/> reports it. For a caller that knows waiting cannot help (a shutdown signal with
    /// the broker gone); the sink stops itself the same way when another client uses its client id or the broker
    /// acknowledges nothing. The first reason given wins.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="reason"/> is null.</exception>
    public void Abort(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Stop(SinkErrorKind.Stopped, reason);
    }

    private void Stop(SinkErrorKind kind, string reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, reason, null) is not null) return;
        _stopKind = kind;
        try
        {
            _client.Abort(new MqttSinkException(kind, reason));
        }
        catch (ObjectDisposedException)
        {
            // Already completed: nothing is outstanding any more.
        }
    }

    // Wait for the cache to drain while it makes progress (DisconnectTimeout without a delivery ends it), then disconnect; whatever is left stays in the cache for the next run.
    private async Task<SinkCompletion> CompleteCachedAsync(Cache.DiskCache cache)
    {
        // Still connecting: wait for the connection or the give-up time, as a sink without a cache would have at start.
        if (_cacheConnect is not null) await _cacheConnect.ConfigureAwait(false);
        if (_cacheFault is null) await cache.WaitDrainedAsync(_runtime.DisconnectTimeout).ConfigureAwait(false);
        try
        {
            await _client.DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The counts below tell what was delivered; the rest stays in the cache.
        }
        bool clean = _client.LastCloseReason == MqttCloseReason.ClientDisconnected && Volatile.Read(ref _stopReason) is null;
        _watch.Dispose();
        await cache.CloseAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        long pending = cache.Pending;
        string? reason = pending == 0 ? null
            : Volatile.Read(ref _stopReason) ?? _cacheFault?.Message ?? $"{Settings.Broker} acknowledged none of them for {Seconds(_runtime.DisconnectTimeout)} s";
        return new SinkCompletion(cache.Accepted, cache.Delivered, pending, reason)
        {
            CleanDisconnect = clean,
            Cached = pending,
            Dropped = cache.Dropped,
            CacheDirectory = cache.Directory,
            ErrorKind = pending == 0 ? null : _cacheFault?.Kind,
            ConnectionsLost = _watch.ConnectionsLost,
            QuickBrokerCloses = _watch.QuickBrokerCloses,
            QoS2LimitCloses = _watch.QoS2LimitCloses,
            QoS2Window = _client.QoS2Window,
            StoppedBecause = _stopReason is null ? null : _stopKind,
        };
    }

    private ArgumentException CloudPayloadTooLarge(int length)
        => new($"the payload is {length} bytes; {Settings.Cloud!.Cloud} ({Settings.Broker.Host}) accepts at most {Settings.Cloud.MaxPayloadBytes} and would close the connection", "payload");

    private static string RefusalHint(ConnectReturnCode code) => code switch
    {
        ConnectReturnCode.BadUserNameOrPassword or ConnectReturnCode.NotAuthorized
            => "; check username and password (an Azure SAS token may have expired)",
        ConnectReturnCode.IdentifierRejected => "; check clientId",
        ConnectReturnCode.UnacceptableProtocolVersion => "; try the other protocolVersion (\"3.1\" or \"3.1.1\")",
        _ => "",
    };

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowNotStarted()
        => throw new InvalidOperationException(Volatile.Read(ref _state) == Completing
            ? "the sink is completing or completed; it accepts no more messages"
            : "the sink is not started; call StartAsync first");
}

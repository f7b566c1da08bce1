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
/// (clean session is off, so QoS 2 stays exactly-once). While the broker is away, new messages wait in a bounded
/// queue (<see cref="MqttSinkRuntimeOptions.MaxQueuedMessages"/>); when it is full, publishing waits.
/// </remarks>
public sealed partial class MqttSink : IAsyncDisposable
{
    private const int Created = 0, Starting = 1, Started = 2, Completing = 3;

    private readonly MqttClient _client;
    private readonly TopicName _topic;
    private readonly MqttSinkRuntimeOptions _runtime;
    private readonly object _gate = new();
    private int _state;
    private Task<SinkCompletion>? _completion;

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
        try
        {
            _client = new MqttClient(SinkSettingsMapping.ToClientOptions(settings, _runtime));
        }
        catch (Exception e) when (e is TlsConfigurationException or ArgumentException)
        {
            throw new MqttSinkException(SinkErrorKind.Configuration, e.Message, e);
        }
        _shaper = settings.Shaper;
        if (_shaper is { Batches: true })
            _batcher = new Shaping.MessageBatcher(_shaper.BatchSize, _shaper.LingerInterval, _shaper.Format == Shaping.ShapeFormat.Json,
                PublishBatch, TimeProvider.System);
    }

    /// <summary>The configuration this sink publishes with.</summary>
    public SinkSettings Settings { get; }

    /// <summary>Messages accepted so far.</summary>
    public long Sent => _client.Metrics.Published;

    /// <summary>Messages that reached their QoS's delivery point so far.</summary>
    public long Acknowledged => _client.Metrics.Acknowledged;

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
        var broker = Settings.Broker;
        var limit = _runtime.ConnectGiveUpAfter;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A timer, not the client's reconnect policy: it also ends an attempt that hangs (a silent host).
        giveUp.CancelAfter(limit);
        try
        {
            await _client.ConnectAsync(giveUp.Token).ConfigureAwait(false);
            Interlocked.CompareExchange(ref _state, Started, Starting);
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            string last = _client.LastCloseError?.Message ?? "no connection attempt finished";
            throw new MqttSinkException(SinkErrorKind.Unreachable,
                $"could not connect to {broker} within {Seconds(limit)} s (last error: {last})");
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
    /// <exception cref="ArgumentException">The payload is too large for one MQTT packet.</exception>
    /// <exception cref="MqttSinkException">Shaping options are set and the input, or a message it became, could not be
    /// shaped (<see cref="SinkErrorKind.InvalidMessage"/>: not JSON, a topic that does not resolve); the other messages
    /// of the same input are still published.</exception>
    /// <exception cref="MqttClientException">The sink gave up (no connection within
    /// <see cref="MqttSinkRuntimeOptions.ReconnectGiveUpAfter"/>, a refusal) or completed before delivery.</exception>
    public ValueTask PublishAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _state) != Started) ThrowNotStarted();
        if (_shaper is not null) return PublishShaped(payload, cancellationToken);
        return _client.PublishAsync(_topic, payload, Settings.Qos, Settings.Retained, cancellationToken);
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
        var before = _client.LastCloseError;
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
        var lastError = _client.LastCloseError ?? before;
        long sent = _client.Metrics.Published, acknowledged = _client.Metrics.Acknowledged;
        await _client.DisposeAsync().ConfigureAwait(false);
        long unacknowledged = Math.Max(0, sent - acknowledged);
        bool clean = after == MqttCloseReason.ClientDisconnected;
        string? reason = unacknowledged == 0 ? null
            : !clean && lastError is not null
                ? $"no connection to {Settings.Broker}: {lastError.Message}"
                : $"{Settings.Broker} did not acknowledge them within {Seconds(_runtime.DisconnectTimeout)} s";
        return new SinkCompletion(sent, acknowledged, unacknowledged, reason) { CleanDisconnect = clean };
    }

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

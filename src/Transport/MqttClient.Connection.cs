using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    private Task? _supervisor;
    private TaskCompletionSource? _connectedOnce;   // the first accepted CONNACK, or the reason we gave up
    private TaskCompletionSource? _drained;         // DisconnectAsync waits for in-flight work on this
    private bool _everConnected;
    private bool _stopping;

    private readonly record struct CloseOutcome(MqttCloseReason Reason, Exception? Error, bool WasAccepted = false, TimeSpan Lifetime = default);

    /// <summary>
    /// Connects and returns once CONNACK accepted the connection. Network failures are retried per
    /// <see cref="MqttClientOptions.Reconnect"/>; a refusal (other than "server unavailable") or a TLS
    /// authentication failure on the first connection fails at once. After this, lost connections are re-made
    /// in the background and the session re-sends what it must.
    /// </summary>
    /// <exception cref="MqttConnectionRefusedException">CONNACK refused the connection.</exception>
    /// <exception cref="MqttClientException">TLS failed, or the reconnect policy gave up.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first; the client stops.</exception>
    public async ValueTask ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Task connected;
        lock (_gate)
        {
            if (_fault is { } fault) throw fault;
            if (_supervisor is null)
            {
                _connectedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _supervisor = Task.Run(SuperviseSafelyAsync);
            }
            connected = _connectedOnce!.Task;
        }
        try
        {
            await connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !connected.IsCompleted)
        {
            FailEverything(new OperationCanceledException("connecting was cancelled before the broker accepted the connection", null, cancellationToken));
            _lifetime.Cancel();
            throw;
        }
    }

    /// <summary>
    /// Waits up to <see cref="MqttClientOptions.DisconnectTimeout"/> for queued and in-flight publishes to complete,
    /// sends DISCONNECT, closes the connection and stops reconnecting. Publishes still unacknowledged then fail with
    /// an <see cref="MqttClientException"/> that says how many there were.
    /// </summary>
    public async ValueTask DisconnectAsync(CancellationToken cancellationToken = default)
    {
        if (_supervisor is null) return;
        Task drained;
        lock (_gate)
        {
            _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_fault is not null || (_session.InFlightCount == 0 && _session.QueuedCount == 0)) _drained.TrySetResult();
            drained = _drained.Task;
        }
        try
        {
            await drained.WaitAsync(_options.DisconnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Reported below: whatever is still unacknowledged fails with a count.
        }

        bool sendDisconnect;
        lock (_gate)
        {
            _stopping = true;
            sendDisconnect = _session.State == SessionState.Connected;
            if (sendDisconnect)
            {
                _session.RequestDisconnect();
                PumpLocked();
            }
        }
        if (!sendDisconnect) _lifetime.Cancel();
        try
        {
            await _supervisor.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _lifetime.Cancel();
            try { await _supervisor.ConfigureAwait(false); } catch (Exception) { }
        }

        int left;
        lock (_gate) left = _session.InFlightCount + _session.QueuedCount;
        if (left > 0)
            FailEverything(new MqttClientException(MqttCloseReason.ClientDisconnected,
                $"disconnected with {left} message(s) not acknowledged by the broker within {_options.DisconnectTimeout.TotalSeconds:0.#} s"));
    }

    /// <summary>
    /// Stops at once, without waiting for acknowledgements: every publish not yet acknowledged fails with
    /// <paramref name="reason"/>, the connection is closed and no new one is made. For a caller that knows waiting
    /// cannot help (no progress, another client with this id); <see cref="DisconnectAsync"/> then returns promptly.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="reason"/> is null.</exception>
    public void Abort(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (_disposed) return;
        FailEverything(reason);
        _lifetime.Cancel();
    }

    private async Task SuperviseAsync()
    {
        var ct = _lifetime.Token;
        int failures = 0;
        var lastSuccess = Now;
        ConnectReturnCode? lastRefusal = null;
        int sameRefusals = 0;
        int quickKicks = 0;
        while (!ct.IsCancellationRequested)
        {
            var outcome = await RunConnectionAsync(ct).ConfigureAwait(false);
            outcome = NoteTakeover(outcome, ref quickKicks);
            LastCloseReason = outcome.Reason;
            LastCloseError = outcome.Error;
            if (outcome.Reason != MqttCloseReason.None)
            {
                try { ConnectionLost?.Invoke(outcome.Reason, outcome.Error); } catch (Exception) { }
            }
            if (_stopping || ct.IsCancellationRequested || outcome.Reason is MqttCloseReason.ClientDisconnected or MqttCloseReason.Disposed) break;

            if (outcome.WasAccepted) { failures = 0; lastSuccess = Now; }
            failures++;
            if (outcome.Error is MqttConnectionRefusedException refused)
            {
                sameRefusals = refused.ReturnCode == lastRefusal ? sameRefusals + 1 : 1;
                lastRefusal = refused.ReturnCode;
                bool retriable = refused.ReturnCode == ConnectReturnCode.ServerUnavailable;
                if (!retriable && (!_everConnected || sameRefusals >= _options.Reconnect.MaxSameRefusals))
                {
                    GiveUp(refused);
                    return;
                }
            }
            else
            {
                sameRefusals = 0;
                lastRefusal = null;
            }
            if (!_everConnected && outcome.Reason == MqttCloseReason.TlsFailure)
            {
                GiveUp(outcome.Error ?? new MqttClientException(MqttCloseReason.TlsFailure, "the TLS handshake failed"));
                return;
            }
            var policy = _options.Reconnect;
            if (policy.MaxAttempts is { } max && failures >= max)
            {
                GiveUp(new MqttClientException(outcome.Reason, $"gave up after {failures} failed connection attempt(s) to {_options.Broker}: {outcome.Error?.Message ?? outcome.Reason.ToString()}", outcome.Error));
                return;
            }
            if (policy.GiveUpAfter is { } limit && Now - lastSuccess >= limit)
            {
                GiveUp(new MqttClientException(outcome.Reason, $"gave up after {limit.TotalSeconds:0.#} s without a connection to {_options.Broker}: {outcome.Error?.Message ?? outcome.Reason.ToString()}", outcome.Error));
                return;
            }
            var delay = Backoff(failures, policy);
            if (policy.GiveUpAfter is { } l2 && Now + delay - lastSuccess > l2) delay = l2 - (Now - lastSuccess) + TimeSpan.FromMilliseconds(1);
            try
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void GiveUp(Exception error) => FailEverything(error);

    // A bug of ours in the supervisor must fail every pending publish loudly, never leave awaits hanging.
    private async Task SuperviseSafelyAsync()
    {
        try
        {
            await SuperviseAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LastCloseError = e;
            GiveUp(new MqttClientException(MqttCloseReason.ProtocolError, $"internal error in the connection supervisor: {e.GetType().Name}: {e.Message}", e));
        }
    }

    /// <summary>
    /// A broker drops the older of two connections with one client id (MQTT-3.1.4-2): being closed right after
    /// CONNACK, again and again, is the sign. Say so instead of a bare "broker closed".
    /// </summary>
    private CloseOutcome NoteTakeover(CloseOutcome outcome, ref int quickKicks)
    {
        bool quick = outcome.WasAccepted && outcome.Reason == MqttCloseReason.BrokerClosed && outcome.Lifetime < TimeSpan.FromSeconds(2);
        quickKicks = quick ? quickKicks + 1 : 0;
        if (quickKicks < 3) return outcome;
        return outcome with
        {
            Error = new MqttClientIdInUseException(
                $"{_options.Broker} closed the connection right after accepting it, {quickKicks} times in a row: another client probably uses the client id \"{_options.ClientId}\"", quickKicks, outcome.Error),
        };
    }

    /// <summary>Exponential backoff with full jitter: a random delay up to min(cap, initial × 2^(n-1)).</summary>
    internal static TimeSpan Backoff(int failures, ReconnectOptions policy)
    {
        double ceiling = Math.Min(policy.MaxDelay.TotalMilliseconds, policy.InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30)));
        double ms = policy.InitialDelay.TotalMilliseconds / 2 + Random.Shared.NextDouble() * Math.Max(0, ceiling - policy.InitialDelay.TotalMilliseconds / 2);
        return TimeSpan.FromMilliseconds(ms);
    }

    private async Task<CloseOutcome> RunConnectionAsync(CancellationToken ct)
    {
        Socket socket;
        Stream stream;
        using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            attempt.CancelAfter(_options.ConnectTimeout);
            try
            {
                (socket, stream) = await NetworkConnection.OpenAsync(_options.Broker, _tls, attempt.Token).ConfigureAwait(false);
                var password = _options.PasswordProvider is { } provider ? await provider(attempt.Token).ConfigureAwait(false) : null;
                lock (_gate)
                {
                    _session.SetCredentials(_options.UserName, password);
                    _session.ConnectionUp(Now);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new CloseOutcome(MqttCloseReason.ConnectTimeout, new MqttClientException(MqttCloseReason.ConnectTimeout,
                    $"connecting to {_options.Broker} took longer than {_options.ConnectTimeout.TotalSeconds:0.#} s"));
            }
            catch (OperationCanceledException)
            {
                return new CloseOutcome(MqttCloseReason.Disposed, null);
            }
            catch (AuthenticationException e)
            {
                return new CloseOutcome(MqttCloseReason.TlsFailure, new MqttClientException(MqttCloseReason.TlsFailure, e.Message, e));
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                return new CloseOutcome(MqttCloseReason.NetworkError, new MqttClientException(MqttCloseReason.NetworkError, $"cannot connect to {_options.Broker}: {e.Message}", e));
            }
        }

        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        var output = CreateOutputPipe();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var accepted = new AcceptedFlag();
        lock (_gate)
        {
            _output = output;
            _outputPending = 0;
            PumpLocked();   // CONNECT, alone until CONNACK (MQTT-3.1.0-1)
        }
        var readTask = ReadLoopAsync(reader, accepted, connection.Token);
        var sendTask = SendLoopAsync(output.Reader, stream, connection.Token);
        var timerTask = TimerLoopAsync(connection.Token);

        var first = await Task.WhenAny(readTask, sendTask, timerTask).ConfigureAwait(false);
        var outcome = await first.ConfigureAwait(false);
        lock (_gate)
        {
            // After our DISCONNECT the broker closes too; whichever loop noticed first, the reason is ours.
            if (_session.State == SessionState.Disconnecting) outcome = new CloseOutcome(MqttCloseReason.ClientDisconnected, null);
            _output = null;
        }
        connection.Cancel();
        // Closing the socket ends a read or write that is still pending.
        try { socket.Shutdown(SocketShutdown.Both); } catch (Exception) { }
        await stream.DisposeAsync().ConfigureAwait(false);
        socket.Dispose();
        await Task.WhenAll(readTask, sendTask, timerTask).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).ConfigureAwait(false);
        // Unsent bytes are dropped: the session re-sends every QoS 1/2 message that was not acknowledged.
        var closed = new IOException("the connection is closed");
        try { await reader.CompleteAsync(closed).ConfigureAwait(false); } catch (Exception) { }
        try { await output.Writer.CompleteAsync(closed).ConfigureAwait(false); } catch (Exception) { }
        try { await output.Reader.CompleteAsync(closed).ConfigureAwait(false); } catch (Exception) { }

        lock (_gate)
        {
            _session.ConnectionLost();
            DispatchSessionEventsLocked();
        }
        if (ct.IsCancellationRequested && outcome.Reason == MqttCloseReason.None) outcome = new CloseOutcome(MqttCloseReason.Disposed, null);
        return outcome with { WasAccepted = accepted.Value, Lifetime = accepted.Value ? Now - accepted.At : TimeSpan.Zero };
    }

    private sealed class AcceptedFlag { public bool Value; public TimeSpan At; }
}

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
    private TaskCompletionSource? _drained;         // DisconnectAsync waits for in-flight work on this
    private bool _everConnected;
    private bool _stopReconnecting;                 // set by DisconnectAsync once the drain is over: no new connection
    private int _brokerIndex;                       // failover: 0 is Broker, i is AlternateBrokers[i - 1]
    private int _roundStart;                        // where the current round of the list began

    /// <summary>The address connected to, or tried next: <see cref="MqttClientOptions.Broker"/> or one of
    /// <see cref="MqttClientOptions.AlternateBrokers"/>.</summary>
    public BrokerAddress CurrentBroker => _brokerIndex == 0 ? _options.Broker : _options.AlternateBrokers[_brokerIndex - 1];

    /// <summary>Failover: a failed attempt moves on to the next address; a connection that worked stays. Returns
    /// whether to wait the backoff first: only once a whole round of the list has failed, so that failing over to a
    /// live node costs no delay (a list of one waits every time, as before).</summary>
    private bool MoveToNextBroker(bool wasAccepted)
    {
        int count = 1 + _options.AlternateBrokers.Count;
        if (wasAccepted) { _roundStart = _brokerIndex; return true; }
        _brokerIndex = (_brokerIndex + 1) % count;
        return _brokerIndex == _roundStart;
    }

    private readonly record struct CloseOutcome(MqttCloseReason Reason, Exception? Error, bool WasAccepted = false, TimeSpan Lifetime = default);

    /// <summary>One connection attempt's budget: <see cref="MqttClientOptions.ConnectTimeout"/> for TCP and CONNACK, plus the TLS handshake's own timeout.</summary>
    private TimeSpan AttemptTimeout => _options.ConnectTimeout + (_tls is not null ? _tls.Options.HandshakeTimeout : TimeSpan.Zero);

    /// <summary>
    /// Connects and returns once CONNACK accepted the connection. Network failures are retried per
    /// <see cref="MqttClientOptions.Reconnect"/>; a refusal (other than "server unavailable") or a TLS
    /// authentication failure on the first connection fails at once. After this, lost connections are re-made
    /// in the background and the session re-sends what it must. Calling it again while connecting or connected waits
    /// for the same first connection. A client cannot connect again once disconnected or faulted: this then throws.
    /// </summary>
    /// <exception cref="MqttConnectionRefusedException">CONNACK refused the connection.</exception>
    /// <exception cref="MqttClientException">TLS failed, the reconnect policy gave up, or the client was disconnected (<see cref="MqttCloseReason.ClientDisconnected"/>) or had given up before.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first; the client stops (Faulted).</exception>
    public async ValueTask ConnectAsync(CancellationToken cancellationToken = default)
    {
        Task connected;
        lock (_gate)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(MqttClient));
            if (RefusesOperationsLocked) throw StateErrorLocked();
            if (_state == MqttClientState.Created)
            {
                _state = MqttClientState.Connecting;
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
            FailEverything(MqttClientState.Faulted, new OperationCanceledException("connecting was cancelled before the broker accepted the connection", null, cancellationToken));
            CancelLifetime();
            throw;
        }
    }

    /// <summary>
    /// Waits for queued and in-flight publishes to complete, sends DISCONNECT, closes the connection and stops
    /// reconnecting, all within <see cref="MqttClientOptions.DisconnectTimeout"/>; publishes still unacknowledged then
    /// fail with an <see cref="MqttClientException"/> that says how many there were. Operations started from now on
    /// fail at once, a ConnectAsync still waiting fails with <see cref="MqttCloseReason.ClientDisconnected"/>, and the
    /// client ends <see cref="MqttClientState.Closed"/> for good. Idempotent; does nothing once Closed or Faulted.
    /// Cancelling the token stops the wait for acknowledgements: the client closes at once, then this throws.
    /// </summary>
    public async ValueTask DisconnectAsync(CancellationToken cancellationToken = default)
    {
        Task drained;
        Task? supervisor;
        bool neverStarted = false;
        lock (_gate)
        {
            if (IsFinalLocked) return;
            if (_state == MqttClientState.Disconnecting)
            {
                drained = _closed.Task;
                supervisor = null;
            }
            else
            {
                neverStarted = _state == MqttClientState.Created;
                _state = MqttClientState.Disconnecting;
                FailWaitersLocked();
                _connectedOnce?.TrySetException(new MqttClientException(MqttCloseReason.ClientDisconnected, "DisconnectAsync was called before the broker accepted the connection"));
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                // Waiting for acknowledgements only makes sense on a connection that was accepted at least once.
                if (SessionIdle || !_everConnected) _drained.TrySetResult();
                drained = _drained.Task;
                supervisor = _supervisor;
            }
        }
        if (neverStarted)
        {
            FailEverything(MqttClientState.Closed, Disconnected(0));
            return;
        }
        if (supervisor is null)
        {
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);   // another DisconnectAsync does the work
            return;
        }

        var start = Now;
        try
        {
            await WaitWithinAsync(drained, _options.DisconnectTimeout, cancellationToken).ConfigureAwait(false);
            bool sendDisconnect;
            lock (_gate)
            {
                _stopReconnecting = true;
                sendDisconnect = _session.State == SessionState.Connected;
                if (sendDisconnect)
                {
                    _session.RequestDisconnect();
                    PumpLocked();
                }
            }
            if (!sendDisconnect) CancelLifetime();
            // One budget for the whole disconnect: what the drain left of it bounds the DISCONNECT's flush.
            var left = _options.DisconnectTimeout - (Now - start);
            if (!await WaitWithinAsync(supervisor, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false)) CancelLifetime();
        }
        catch (OperationCanceledException)
        {
            CancelLifetime();
            throw;
        }
        finally
        {
            try { await supervisor.ConfigureAwait(false); } catch (Exception) { }
            int left;
            lock (_gate) left = _session.InFlightCount + _session.QueuedCount;
            FailEverything(MqttClientState.Closed, Disconnected(0), left > 0 ? Disconnected(left) : null);
        }
    }

    private MqttClientException Disconnected(int unacknowledged) => unacknowledged == 0
        ? new MqttClientException(MqttCloseReason.ClientDisconnected, "the client was disconnected (DisconnectAsync); a disconnected client does not connect again")
        : new MqttClientException(MqttCloseReason.ClientDisconnected,
            $"disconnected with {unacknowledged} message(s) not acknowledged by the broker within {_options.DisconnectTimeout.TotalSeconds:0.#} s");

    /// <summary>Waits for <paramref name="task"/> up to <paramref name="timeout"/> on the client's clock; false when the time ran out.</summary>
    private async Task<bool> WaitWithinAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void CancelLifetime()
    {
        try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
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
        GiveUp(reason);
        CancelLifetime();
    }

    private async Task SuperviseAsync()
    {
        var ct = _lifetime.Token;
        int failures = 0;
        int rounds = 0;                 // rounds of the failover list that failed in a row
        var lastSuccess = Now;
        ConnectReturnCode? lastRefusal = null;
        int sameRefusals = 0;
        int quickKicks = 0;
        while (!ct.IsCancellationRequested)
        {
            var outcome = await RunConnectionAsync(ct).ConfigureAwait(false);
            outcome = NoteTakeover(outcome, ref quickKicks);
            bool stop;
            lock (_gate)
            {
                RecordCloseLocked(outcome.Reason, outcome.Error);
                stop = ShouldStopLocked;
            }
            if (outcome.Reason != MqttCloseReason.None)
            {
                try { ConnectionLost?.Invoke(outcome.Reason, outcome.Error); } catch (Exception) { }
            }
            if (stop || outcome.Reason is MqttCloseReason.ClientDisconnected or MqttCloseReason.Disposed) break;

            if (outcome.WasAccepted) { failures = 0; rounds = 0; lastSuccess = Now; }
            // A planned close to renew the credentials: reconnect to the same broker at once, nothing failed.
            if (outcome.Reason == MqttCloseReason.LifetimeReached && outcome.WasAccepted) continue;
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
                GiveUp(new MqttClientException(outcome.Reason, $"gave up after {failures} failed connection attempt(s) to {CurrentBroker}: {outcome.Error?.Message ?? outcome.Reason.ToString()}", outcome.Error));
                return;
            }
            if (policy.GiveUpAfter is { } limit && Now - lastSuccess >= limit)
            {
                GiveUp(new MqttClientException(outcome.Reason, $"gave up after {limit.TotalSeconds:0.#} s without a connection to {CurrentBroker}: {outcome.Error?.Message ?? outcome.Reason.ToString()}", outcome.Error));
                return;
            }
            if (!MoveToNextBroker(outcome.WasAccepted)) continue;
            // The backoff grows per round of the failover list, not per address tried (a list of one: per attempt).
            var delay = Backoff(++rounds, policy);
            if (policy.GiveUpAfter is { } l2 && Now + delay - lastSuccess > l2) delay = l2 - (Now - lastSuccess) + TimeSpan.FromMilliseconds(1);
            try
            {
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void GiveUp(Exception error) => FailEverything(MqttClientState.Faulted, error);

    // A bug of ours in the supervisor must fail every pending publish loudly, never leave awaits hanging.
    private async Task SuperviseSafelyAsync()
    {
        try
        {
            await SuperviseAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_gate) _lastCloseError = _lastConnectionError = e;
            GiveUp(new MqttClientException(MqttCloseReason.ProtocolError, $"internal error in the connection supervisor: {e.GetType().Name}: {e.Message}", e));
        }
    }

    /// <summary>
    /// A broker drops the older of two connections with one client id (MQTT-3.1.4-2): being closed right after
    /// CONNACK, again and again, is the sign. Say so instead of a bare "broker closed".
    /// </summary>
    /// <summary>How soon after CONNACK a close by the broker looks like a takeover by another connection with this client id.</summary>
    internal static readonly TimeSpan QuickCloseLimit = TimeSpan.FromSeconds(2);

    /// <summary>The takeover sign: the broker closed (or reset, when we were writing at that moment) a connection
    /// it had accepted less than <see cref="QuickCloseLimit"/> before. The one owner of this rule; the sink asks it.</summary>
    internal static bool IsQuickClose(MqttCloseReason reason, TimeSpan connectedFor)
        => reason is MqttCloseReason.BrokerClosed or MqttCloseReason.NetworkError && connectedFor < QuickCloseLimit;

    private CloseOutcome NoteTakeover(CloseOutcome outcome, ref int quickKicks)
    {
        // A close the session read as the broker's QoS 2 limit lowers the window instead; it is no sign of a takeover.
        // (The window reaches 1 within a few such closes, after which none looks like the limit, so a real takeover is
        // still found, a few closes later.)
        if (outcome.WasAccepted && LastCloseLookedLikeQoS2Limit) return outcome;
        bool quick = outcome.WasAccepted && IsQuickClose(outcome.Reason, outcome.Lifetime);
        quickKicks = quick ? quickKicks + 1 : 0;
        if (quickKicks < 3) return outcome;
        return outcome with
        {
            Error = new MqttClientIdInUseException(
                $"{CurrentBroker} closed the connection right after accepting it, {quickKicks} times in a row: another client probably uses the client id \"{_options.ClientId}\"", quickKicks, outcome.Error),
        };
    }

    /// <summary>Exponential backoff with jitter: a random delay between half the initial delay and min(cap, initial × 2^(n-1)).</summary>
    internal static TimeSpan Backoff(int failures, ReconnectOptions policy)
    {
        double ceiling = Math.Min(policy.MaxDelay.TotalMilliseconds, policy.InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30)));
        double ms = policy.InitialDelay.TotalMilliseconds / 2 + Random.Shared.NextDouble() * Math.Max(0, ceiling - policy.InitialDelay.TotalMilliseconds / 2);
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>What the password provider threw, kept apart from the connection's own errors.</summary>
    private sealed class PasswordProviderFailure(Exception inner) : Exception(inner.Message, inner);

    private async ValueTask<byte[]?> GetPasswordAsync(CancellationToken cancellationToken)
    {
        if (_options.PasswordProvider is not { } provider) return null;
        try
        {
            return await provider(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new PasswordProviderFailure(e);
        }
    }

    /// <summary>Opens the (socket, stream) of one attempt, fetches the password and starts the session on it; null outcome on success.</summary>
    private async Task<(Socket? Socket, Stream? Stream, CloseOutcome? Failure)> OpenAsync(CancellationToken attempt, CancellationToken lifetime)
    {
        Socket? socket = null;
        Stream? stream = null;
        try
        {
            // The one place the client opens its connection.
            (socket, stream) = await Connections.BrokerConnection.OpenAsync(CurrentBroker, _tls, _options, attempt).ConfigureAwait(false);
            var password = await GetPasswordAsync(attempt).ConfigureAwait(false);
            lock (_gate)
            {
                _session.SetCredentials(_options.UserName, password);
                _session.ConnectionUp(Now);
            }
            return (socket, stream, null);
        }
        catch (Exception e)
        {
            await CloseAsync(socket, stream).ConfigureAwait(false);
            return (null, null, e switch
            {
                OperationCanceledException when lifetime.IsCancellationRequested => new CloseOutcome(MqttCloseReason.Disposed, null),
                OperationCanceledException => new CloseOutcome(MqttCloseReason.ConnectTimeout, new MqttClientException(MqttCloseReason.ConnectTimeout,
                    $"connecting to {CurrentBroker} took longer than {AttemptTimeout.TotalSeconds:0.#} s")),
                PasswordProviderFailure p => new CloseOutcome(MqttCloseReason.CredentialsFailure, new MqttClientException(MqttCloseReason.CredentialsFailure,
                    $"the PasswordProvider failed for {CurrentBroker}: {p.InnerException!.GetType().Name}: {p.Message}", p.InnerException)),
                ArgumentException a => new CloseOutcome(MqttCloseReason.CredentialsFailure, new MqttClientException(MqttCloseReason.CredentialsFailure,
                    $"the credentials for {CurrentBroker} cannot be sent: {a.Message}", a)),
                AuthenticationException => new CloseOutcome(MqttCloseReason.TlsFailure, new MqttClientException(MqttCloseReason.TlsFailure, e.Message, e)),
                SocketException or IOException => new CloseOutcome(MqttCloseReason.NetworkError, new MqttClientException(MqttCloseReason.NetworkError, $"cannot connect to {CurrentBroker}: {e.Message}", e)),
                _ => InternalError(e),
            });
        }
    }

    private static async ValueTask CloseAsync(Socket? socket, Stream? stream)
    {
        // Closing the socket ends a read or write that is still pending.
        if (socket is not null) { try { socket.Shutdown(SocketShutdown.Both); } catch (Exception) { } }
        if (stream is not null) { try { await stream.DisposeAsync().ConfigureAwait(false); } catch (Exception) { } }
        socket?.Dispose();
    }

    private async Task<CloseOutcome> RunConnectionAsync(CancellationToken ct)
    {
        var attemptStart = Now;
        Socket socket;
        Stream stream;
        using (var timeout = new CancellationTokenSource(AttemptTimeout, _time))
        using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
        {
            var (s, st, failure) = await OpenAsync(attempt.Token, ct).ConfigureAwait(false);
            if (failure is { } f) return f;
            (socket, stream) = (s!, st!);
        }

        // Zero-byte reads: an idle connection waits without holding a 64 KiB buffer (about 71 KB -> 6 KB per idle
        // connection, measured with 10,000 in bench/Throughput); the buffer is rented once data is there.
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true));
        var output = CreateOutputPipe();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var link = new ConnectionLink(output, attemptStart + AttemptTimeout);
        link.Timer = _time.CreateTimer(static s => ((ConnectionLink)s!).Client!.OnTimer((ConnectionLink)s!), link, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        link.Client = this;
        lock (_gate)
        {
            _link = link;
            _output = output;
            _outputPending = 0;
            PumpLocked();   // CONNECT, alone until CONNACK (MQTT-3.1.0-1)
            RearmLocked(link);
        }
        var readTask = ReadLoopAsync(reader, socket, link, connection.Token);
        var sendTask = SendLoopAsync(output.Reader, stream, connection.Token);

        // A credential with an expiry: end the connection on our side, after what was encoded is written.
        // Without a lifetime the connection ends only through its loops, exactly as before the option existed.
        Task? renew = _options.MaxConnectionLifetime is { } lifetime
            ? Task.Delay(Max(lifetime - (Now - attemptStart), TimeSpan.Zero), _time, connection.Token)
            : null;
        var first = renew is null
            ? await Task.WhenAny(readTask, sendTask, link.Ended.Task).ConfigureAwait(false)
            : await Task.WhenAny(readTask, sendTask, link.Ended.Task, renew).ConfigureAwait(false);
        CloseOutcome outcome;
        if (first == renew && renew.IsCompletedSuccessfully) outcome = await EndForRenewalAsync(output, socket, sendTask, readTask).ConfigureAwait(false);
        else if (first == renew) outcome = await Task.WhenAny(readTask, sendTask, link.Ended.Task).Unwrap().ConfigureAwait(false);
        else outcome = await ((Task<CloseOutcome>)first).ConfigureAwait(false);
        lock (_gate)
        {
            // After our DISCONNECT the broker closes too; whichever loop noticed first, the reason is ours.
            if (_session.State == SessionState.Disconnecting) outcome = new CloseOutcome(MqttCloseReason.ClientDisconnected, null);
            _link = null;
            _output = null;
        }
        await link.Timer.DisposeAsync().ConfigureAwait(false);
        connection.Cancel();
        await CloseAsync(socket, stream).ConfigureAwait(false);
        await Task.WhenAll(readTask, sendTask).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).ConfigureAwait(false);
        // Unsent bytes are dropped: the session re-sends every QoS 1/2 message that was not acknowledged.
        var closed = new IOException("the connection is closed");
        try { await reader.CompleteAsync(closed).ConfigureAwait(false); } catch (Exception) { }
        try { await output.Writer.CompleteAsync(closed).ConfigureAwait(false); } catch (Exception) { }
        try { await output.Reader.CompleteAsync(closed).ConfigureAwait(false); } catch (Exception) { }

        if (ct.IsCancellationRequested && outcome.Reason == MqttCloseReason.None) outcome = new CloseOutcome(MqttCloseReason.Disposed, null);
        lock (_gate)
        {
            // The reason first: requests failed by ConnectionLost carry it.
            RecordCloseLocked(outcome.Reason, outcome.Error);
            // A close or reset by the broker may be its QoS 2 limit (the session judges; see ClientSession.QoS2Window).
            _session.ConnectionLost(closedByBroker: outcome.Reason is MqttCloseReason.BrokerClosed or MqttCloseReason.NetworkError);
            DispatchSessionEventsLocked();
        }
        return outcome with { WasAccepted = link.Accepted, Lifetime = link.Accepted ? Now - link.AcceptedAt : TimeSpan.Zero };
    }

    /// <summary>
    /// <see cref="MqttClientOptions.MaxConnectionLifetime"/> is over: stop encoding on this connection (the session keeps
    /// what is due for the next one), let the send loop write what is already in the pipe, then half-close (FIN after the
    /// last byte) and keep reading until the broker closes too. Closing at once could reset the connection (unread bytes
    /// in our receive buffer make the kernel send RST), and a reset drops what the broker has not read yet.
    /// </summary>
    private async Task<CloseOutcome> EndForRenewalAsync(Pipe output, Socket socket, Task<CloseOutcome> sendTask, Task<CloseOutcome> readTask)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_output, output))
            {
                _output = null;
                output.Writer.Complete();
            }
        }
        // Bounded: a broker that stopped reading or never closes must not hold the renewal past the token's margin.
        var bound = Task.Delay(Min(_options.PingTimeout, RenewalCloseBound), _time);
        if (await Task.WhenAny(sendTask, readTask, bound).ConfigureAwait(false) == sendTask)
        {
            try { socket.Shutdown(SocketShutdown.Send); } catch (Exception) { }
            await Task.WhenAny(readTask, bound).ConfigureAwait(false);
        }
        return new CloseOutcome(MqttCloseReason.LifetimeReached, null);
    }

    // How long a renewal close may wait for the broker (the SAS margin is at least 2 s, a fifth of 10 s).
    private static readonly TimeSpan RenewalCloseBound = TimeSpan.FromSeconds(1);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>One connection's shared state: its output, its timer, its attempt deadline and how it ended.</summary>
    private sealed class ConnectionLink(Pipe output, TimeSpan connAckDeadline)
    {
        public Pipe Output { get; } = output;
        public TimeSpan ConnAckDeadline { get; } = connAckDeadline;
        public ITimer Timer = null!;
        public TimeSpan? ArmedFor;   // the deadline the timer is set for; under the client's lock
        public MqttClient? Client;
        public bool Accepted;
        public TimeSpan AcceptedAt;
        public TaskCompletionSource<CloseOutcome> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private ConnectionLink? _link;
}

using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    // The lifecycle, held here and changed only under _gate. See MqttClientState for the transitions.
    private MqttClientState _state;
    private Exception? _fault;                                   // why the client is Closed or Faulted; a template, never thrown itself
    private Func<Exception>? _pendingFailure;                    // while failing everything: the error each pending publish gets
    private MqttCloseReason _lastCloseReason;
    private Exception? _lastCloseError;
    private Exception? _lastConnectionError;   // the last non-null _lastCloseError; see LastConnectionError
    private TaskCompletionSource? _connectedOnce;                // the first accepted CONNACK, or the reason there was none
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _disposal;
    private volatile bool _disposed;

    private bool IsFinalLocked => _state is MqttClientState.Closed or MqttClientState.Faulted;

    /// <summary>No new operation is accepted from Disconnecting on.</summary>
    private bool RefusesOperationsLocked => _state >= MqttClientState.Disconnecting;

    /// <summary>The error for an operation refused because of the state; a new instance each time (never one shared instance thrown on many threads).</summary>
    private Exception StateErrorLocked()
    {
        if (_disposed) return new ObjectDisposedException(nameof(MqttClient), "the client was disposed");
        if (_state == MqttClientState.Disconnecting)
            return new MqttClientException(MqttCloseReason.ClientDisconnected, "the client is disconnecting (DisconnectAsync was called)");
        return NewFault();
    }

    /// <summary>A fresh copy of <see cref="_fault"/>, of the same type and reason, so callers catching a type still match.</summary>
    private Exception NewFault() => _fault switch
    {
        null => new MqttClientException(MqttCloseReason.Disposed, "the client stopped before the broker acknowledged this message"),
        MqttConnectionRefusedException r => new MqttConnectionRefusedException(r.ReturnCode, CurrentBroker.ToString()),
        MqttClientIdInUseException u => new MqttClientIdInUseException(u.Message, u.ClosesInARow, u.InnerException),
        MqttClientException m => new MqttClientException(m.Reason, m.Message, m.InnerException),
        OperationCanceledException o => new OperationCanceledException(o.Message, o.InnerException, o.CancellationToken),
        ObjectDisposedException => new ObjectDisposedException(nameof(MqttClient), "the client was disposed before the broker acknowledged this message"),
        var other => new MqttClientException(MqttCloseReason.Disposed, other.Message, other),
    };

    /// <summary>
    /// Moves to a final state and ends everything it strands: every queued and in-flight publish, every publish waiting
    /// for queue room, every pending request, and a ConnectAsync still waiting. Idempotent: the first fault is kept.
    /// </summary>
    /// <param name="final">Closed or Faulted.</param>
    /// <param name="fault">What later operations are told.</param>
    /// <param name="pending">What the publishes pending now are told, when that differs (a count of unacknowledged messages).</param>
    private void FailEverything(MqttClientState final, Exception fault, Exception? pending = null)
    {
        lock (_gate)
        {
            if (!IsFinalLocked) _state = final;
            _fault ??= fault;
            _pendingFailure = pending is null ? null : () => pending is MqttClientException p
                ? new MqttClientException(p.Reason, p.Message, p.InnerException) : NewFault();
            try
            {
                _session.FailAll();
                DispatchSessionEventsLocked();
                FailWaitersLocked();
            }
            finally
            {
                _pendingFailure = null;
            }
            _connectedOnce?.TrySetException(NewFault());
            _drained?.TrySetResult();
            _closed.TrySetResult();
        }
    }

    /// <summary>
    /// Disconnects (as <see cref="DisconnectAsync"/>, within <see cref="MqttClientOptions.DisconnectTimeout"/>) and
    /// releases everything. Never throws; concurrent and repeated calls share one disposal.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var existing = Interlocked.CompareExchange(ref _disposal, mine.Task, null);
        if (existing is not null) return new ValueTask(existing);
        return new ValueTask(DisposeOnceAsync(mine));
    }

    private async Task DisposeOnceAsync(TaskCompletionSource done)
    {
        try
        {
            try { await DisconnectAsync(CancellationToken.None).ConfigureAwait(false); }
            catch (Exception) { }   // Dispose never throws; the failure is recorded in LastCloseError.
            _disposed = true;
            _lifetime.Cancel();
            Task? supervisor;
            lock (_gate) supervisor = _supervisor;
            if (supervisor is not null)
            {
                try { await supervisor.ConfigureAwait(false); } catch (Exception) { }
            }
            FailEverything(MqttClientState.Closed, new ObjectDisposedException(nameof(MqttClient), "the client was disposed before the broker acknowledged this message"));
            _metrics.Dispose();
            _tls?.Dispose();
            _lifetime.Dispose();
        }
        finally
        {
            done.TrySetResult();
        }
    }

    /// <summary>After a connection ended: the supervisor records why, before anything pending is failed with it.</summary>
    private void RecordCloseLocked(MqttCloseReason reason, Exception? error)
    {
        _lastCloseReason = reason;
        _lastCloseError = error;
        if (error is not null) _lastConnectionError = error;
        if (_state == MqttClientState.Connected) _state = MqttClientState.Reconnecting;
    }

    private void OnAcceptedLocked()
    {
        if (_state is MqttClientState.Connecting or MqttClientState.Reconnecting) _state = MqttClientState.Connected;
    }

    // While Disconnecting drains, a lost connection is still re-made so the drain can finish.
    private bool ShouldStopLocked => IsFinalLocked || _stopReconnecting || _lifetime.IsCancellationRequested;

    private bool SessionIdle => _session.InFlightCount == 0 && _session.QueuedCount == 0;

    private SessionState SessionStateLocked => _session.State;
}

using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    // Publishes waiting for queue room, first come first served: admitted under the lock in this order only, so call
    // order is the order the session accepts them in, and with it the wire order.
    // A waiter is an AdmissionWaiter (one publish) or a PublishBatch (the rest of a batch that did not fit).
    private readonly LinkedList<object> _waiters = new();
    private bool _admitting;

    /// <summary>
    /// Publishes a message. The returned task completes at the QoS's delivery point: written to the connection
    /// (QoS 0), PUBACK (QoS 1), PUBCOMP (QoS 2). While disconnected, or while the in-flight window is full,
    /// messages queue; when the queue is full this waits (backpressure), it never drops. Messages go on the wire in
    /// the order of the calls, at every QoS.
    /// </summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="payload">The payload. Buffer contract: it must not change until the returned task ends; when the task
    /// ends cancelled, the client has either removed the message unsent or taken its own copy, so the buffer is free.</param>
    /// <param name="qos">The QoS.</param>
    /// <param name="retain">The RETAIN flag.</param>
    /// <param name="cancellationToken">Cancels the publish if it was not written yet (it is then never sent); once written,
    /// it only ends the wait for the acknowledgement (the message is still delivered at its QoS).</param>
    /// <exception cref="ArgumentException">An invalid topic, QoS 3, or a payload too large for one packet.</exception>
    /// <exception cref="MqttClientException">The client gave up, or is disconnecting or disconnected, before delivery.</exception>
    public ValueTask PublishAsync(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        PublishCompletion completion;
        lock (_gate)
        {
            if (RefusesOperationsLocked) return ValueTask.FromException(StateErrorLocked());
            if (_waiters.Count > 0 || !_session.CanAccept(payload.Length))
            {
                _session.CheckPublish(topic, payload.Length, qos);   // a bad argument fails now, not when admitted
                return WaitForRoomLocked(topic, payload, qos, retain, cancellationToken);
            }
            if (qos == QualityOfService.AtMostOnce && _output is not null && _session.State == SessionState.Connected
                && _session.QueuedCount == 0 && _outputPending < OutputHighWater)
            {
                // Fast path: QoS 0's delivery point is the write, and it is written right here, so the publish
                // completes synchronously and a caller awaiting each message still fills large socket writes.
                AcceptLocked(topic, payload, qos, retain, state: null);
                return ValueTask.CompletedTask;
            }
            if (qos == QualityOfService.AtMostOnce && !cancellationToken.CanBeCanceled)
            {
                // Queued QoS 0 that nobody can cancel (the usual case above the high-water mark against a fast
                // broker): a ticket, a number in write order, instead of a completion per message. Issued after the
                // session took the message and before anything is written, so ticket order is queue order.
                TakeLocked(topic, payload, qos, retain, _tickets);
                var ticket = _tickets.Issue();
                PumpLocked();
                return ticket;
            }
            completion = _completions.Rent();
            AcceptLocked(topic, payload, qos, retain, completion);
            completion.WatchCancellation(cancellationToken);
        }
        return new ValueTask(completion, completion.Version);
    }

    /// <summary>Publishes to a topic given as a string; see <see cref="PublishAsync(TopicName, ReadOnlyMemory{byte}, QualityOfService, bool, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">The topic breaks a topic-name rule (empty, wildcard, U+0000, over 65,535 bytes).</exception>
    public ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default)
        => PublishAsync(TopicName.Create(topic), payload, qos, retain, cancellationToken);

    /// <summary>A publish waiting for queue room; completed with its accepted completion when admitted.</summary>
    private sealed class AdmissionWaiter(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, CancellationToken token)
        : TaskCompletionSource<PublishCompletion>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public TopicName Topic { get; } = topic;
        public ReadOnlyMemory<byte> Payload { get; } = payload;
        public QualityOfService QoS { get; } = qos;
        public bool Retain { get; } = retain;
        public CancellationToken Token { get; } = token;
        public LinkedListNode<object>? Node;
        public MqttClient? Client;
        public CancellationTokenRegistration Registration;
    }

    private ValueTask WaitForRoomLocked(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, CancellationToken cancellationToken)
    {
        var waiter = new AdmissionWaiter(topic, payload, qos, retain, cancellationToken);
        waiter.Client = this;
        waiter.Node = _waiters.AddLast(waiter);
        // Under the lock: on a token cancelled meanwhile the callback runs here, re-entering the lock (Monitor is re-entrant).
        waiter.Registration = cancellationToken.UnsafeRegister(static (s, ct) => ((AdmissionWaiter)s!).Client!.OnWaiterCancelled((AdmissionWaiter)s!, ct), waiter);
        return AwaitAdmissionAsync(waiter);
    }

    private static async ValueTask AwaitAdmissionAsync(AdmissionWaiter waiter)
    {
        var completion = await waiter.Task.ConfigureAwait(false);
        await new ValueTask(completion, completion.Version).ConfigureAwait(false);
    }

    private void OnWaiterCancelled(AdmissionWaiter waiter, CancellationToken token)
    {
        lock (_gate)
        {
            if (waiter.Node is not { } node) return;   // admitted or failed already
            _waiters.Remove(node);
            waiter.Node = null;
            waiter.TrySetCanceled(token);
            AdmitWaitersLocked();                      // it may have held back smaller ones behind it
        }
    }

    /// <summary>Admits waiting publishes in arrival order while the queue has room; under the lock.</summary>
    private void AdmitWaitersLocked()
    {
        if (_admitting || _waiters.First is null) return;
        _admitting = true;
        try
        {
            while (_waiters.First is { } node && !RefusesOperationsLocked)
            {
                if (node.Value is PublishBatch batch)
                {
                    if (!AcceptBatchLocked(batch)) break;   // still not all of it: it stays first, holding back what follows
                    continue;
                }
                var w = (AdmissionWaiter)node.Value;
                if (!_session.CanAccept(w.Payload.Length)) break;
                _waiters.RemoveFirst();
                w.Node = null;
                w.Registration.Unregister();   // never Dispose under the lock: it would wait for a callback that waits for the lock
                var completion = _completions.Rent();
                try
                {
                    AcceptLocked(w.Topic, w.Payload, w.QoS, w.Retain, completion);
                }
                catch (Exception e)
                {
                    completion.TrySetException(e);
                    completion.ReleaseFromSession();
                    w.TrySetResult(completion);
                    continue;
                }
                completion.WatchCancellation(w.Token);
                w.TrySetResult(completion);
            }
        }
        finally
        {
            _admitting = false;
        }
    }

    /// <summary>Fails every publish still waiting for room (the client stops accepting); under the lock.</summary>
    private void FailWaitersLocked()
    {
        while (_waiters.First is { } node)
        {
            _waiters.RemoveFirst();
            if (node.Value is PublishBatch batch)
            {
                batch.Waiting = null;
                batch.OnMembersEnded(batch.Count - batch.Accepted, StateErrorLocked());
                continue;
            }
            var w = (AdmissionWaiter)node.Value;
            w.Node = null;
            w.Registration.Unregister();
            w.TrySetException(StateErrorLocked());
        }
    }

    /// <summary>Hands a publish the caller checked room for to the session and encodes what is due; under the lock.</summary>
    private void AcceptLocked(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, PublishCompletion? state)
    {
        TakeLocked(topic, payload, qos, retain, state);
        PumpLocked();
    }

    /// <summary>Hands a publish the caller checked room for to the session, without encoding yet; under the lock.</summary>
    private void TakeLocked(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, object? state)
    {
        if (!_session.TryPublish(topic, payload, qos, retain, state))
            throw new InvalidOperationException("the session refused a publish it said it could accept");
        _metrics.OnPublished();
    }

    /// <summary>
    /// The caller's token fired for an accepted publish: not written yet, it is removed and never sent; written, it stays
    /// in flight on its own payload copy. Either way the caller's buffer is free once the task ends, cancelled.
    /// </summary>
    private void OnPublishCancelled(PublishCompletion completion, CancellationToken token)
    {
        lock (_gate)
        {
            if (completion.IsCompleted) return;
            var outcome = _session.TryCancel(completion);
            if (outcome != PublishCancelOutcome.NotFound) completion.ReleaseFromSession();
            if (outcome == PublishCancelOutcome.Removed) AdmitWaitersLocked();
            completion.TrySetException(new OperationCanceledException(token));
            if (_drained is { } drained && SessionIdle) drained.TrySetResult();
        }
    }
}

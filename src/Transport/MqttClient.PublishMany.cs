using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    /// <summary>
    /// Publishes many messages to one topic under one lock acquisition and one encoding pass, with one task for the
    /// whole batch: it completes when every message reached its QoS's delivery point (written for QoS 0, PUBACK,
    /// PUBCOMP), in the order of <paramref name="payloads"/>, which is also their wire order and comes after every
    /// earlier call's messages. What does not fit the queue waits, in call order, as <see cref="PublishAsync(TopicName, ReadOnlyMemory{byte}, QualityOfService, bool, CancellationToken)"/> does.
    /// </summary>
    /// <param name="topic">The topic name of every message.</param>
    /// <param name="payloads">The payloads, in order. Buffer contract: neither this array nor the payloads may change until
    /// the returned task ends; when it ends (completed, failed or cancelled) the client no longer reads either.</param>
    /// <param name="qos">The QoS of every message.</param>
    /// <param name="retain">The RETAIN flag of every message.</param>
    /// <param name="cancellationToken">Cancels the rest of the batch: messages not yet written are removed and never
    /// sent; the ones written (a prefix of the batch) are still delivered at their QoS, on the client's own copy. The task
    /// then ends with <see cref="MqttPublishBatchCanceledException"/>, whose <see cref="MqttPublishBatchCanceledException.Sent"/>
    /// says how many were written.</param>
    /// <exception cref="ArgumentException">An invalid topic, QoS 3, or a payload too large for one packet: nothing of the batch is accepted.</exception>
    /// <exception cref="MqttPublishBatchException">Some messages failed (the client gave up, or is disconnecting); the others were delivered.
    /// One case reports without counts: a QoS 0 batch with a token that cannot be cancelled, queued behind the output,
    /// fails with its last message's <see cref="MqttClientException"/> (QoS 0 leaves the queue in order, so that message
    /// ends last; the messages written before the failure were sent, the rest not).</exception>
    /// <exception cref="MqttClientException">The client is disconnecting or disconnected: nothing of the batch was accepted.</exception>
    public ValueTask PublishManyAsync(TopicName topic, ReadOnlyMemory<ReadOnlyMemory<byte>> payloads, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default)
        => PublishManyCore(new OneTopicMembers(topic, payloads), qos, retain, cancellationToken);

    /// <summary>
    /// Publishes many messages, each to its own topic, with the guarantees of <see cref="PublishManyAsync(TopicName, ReadOnlyMemory{ReadOnlyMemory{byte}}, QualityOfService, bool, CancellationToken)"/>:
    /// one lock acquisition and one task for the batch, wire order = the order of <paramref name="messages"/>, after every
    /// earlier call's messages.
    /// </summary>
    /// <param name="messages">The messages, in order. Buffer contract: neither this array nor the payloads may change
    /// until the returned task ends; when it ends the client no longer reads either.</param>
    /// <param name="qos">The QoS of every message.</param>
    /// <param name="retain">The RETAIN flag of every message.</param>
    /// <param name="cancellationToken">Cancels the rest of the batch, as for the single-topic overload: the written
    /// prefix is still delivered, the rest never sent; <see cref="MqttPublishBatchCanceledException.Sent"/> says how many were written.</param>
    /// <exception cref="ArgumentException">A message without a topic (<c>default(TopicName)</c>), a topic MQTT 3.1 does not
    /// allow, QoS 3, or a payload too large for one packet: every message is checked first, and nothing of the batch is accepted.</exception>
    /// <exception cref="MqttPublishBatchException">Some messages failed; the others were delivered (the QoS 0 case the
    /// single-topic overload names applies here too).</exception>
    /// <exception cref="MqttClientException">The client is disconnecting or disconnected: nothing of the batch was accepted.</exception>
    public ValueTask PublishManyAsync(ReadOnlyMemory<MqttOutgoingMessage> messages, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default)
        => PublishManyCore(new OwnTopicMembers(messages), qos, retain, cancellationToken);

    // The one body of both overloads: T is a ref struct, so each kind of batch gets its own specialised loop.
    private ValueTask PublishManyCore<T>(T members, QualityOfService qos, bool retain, CancellationToken cancellationToken)
        where T : IBatchMembers, allows ref struct
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        int count = members.Count;
        if (count == 0) return ValueTask.CompletedTask;
        lock (_gate)
        {
            if (RefusesOperationsLocked) return ValueTask.FromException(StateErrorLocked());
            long bytes = members.Check(_session, qos);   // a bad argument fails the whole batch before any of it is taken
            int done = 0;
            if (_waiters.Count == 0 && qos == QualityOfService.AtMostOnce)
            {
                // Fast path: connected with nothing queued and the output below its mark, QoS 0 messages are written by
                // the pump right after they are taken, so they are done when it returns: no completion at all.
                while (done < count && _output is not null && _session.State == SessionState.Connected
                       && _session.QueuedCount == 0 && _outputPending < OutputHighWater)
                {
                    int start = done;
                    while (done < count && _session.CanAccept(members.PayloadAt(done).Length))
                    {
                        TakeLocked(members.TopicAt(done), members.PayloadAt(done), qos, retain, state: null);
                        done++;
                    }
                    PumpLocked();
                    if (done == start) break;
                }
                if (done == count) return ValueTask.CompletedTask;
                if (!cancellationToken.CanBeCanceled && _session.CanAccept(count - done, bytes))
                {
                    // The rest queues in full, uncancellable: write tickets (see PublishAsync). QoS 0 leaves the queue in
                    // order, written or failed from the head, so the last ticket ends last and stands for the batch.
                    ValueTask last = default;
                    while (done < count)
                    {
                        TakeLocked(members.TopicAt(done), members.PayloadAt(done), qos, retain, _tickets);
                        done++;
                        last = _tickets.Issue();
                    }
                    PumpLocked();
                    return last;
                }
            }
            var batch = members.Rent(_batches, qos, retain, alreadyDone: done);
            if (_waiters.Count > 0 || !AcceptBatchLocked(batch, members)) batch.Waiting = _waiters.AddLast(batch);
            // Under the lock: on a token cancelled meanwhile the callback runs here, re-entering the lock.
            batch.WatchCancellation(cancellationToken);
            return new ValueTask(batch, batch.Version);
        }
    }

    /// <summary>Publishes many messages to a topic given as a string; see <see cref="PublishManyAsync(TopicName, ReadOnlyMemory{ReadOnlyMemory{byte}}, QualityOfService, bool, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">The topic breaks a topic-name rule (empty, wildcard, U+0000, over 65,535 bytes).</exception>
    public ValueTask PublishManyAsync(string topic, ReadOnlyMemory<ReadOnlyMemory<byte>> payloads, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default)
        => PublishManyAsync(TopicName.Create(topic), payloads, qos, retain, cancellationToken);

    /// <summary>Hands the session as much of a waiting batch as the queue takes; see <see cref="AcceptBatchLocked{T}"/>.</summary>
    private bool AcceptBatchLocked(PublishBatch batch) => batch.Messages.IsEmpty
        ? AcceptBatchLocked(batch, new OneTopicMembers(batch.Topic, batch.Payloads))
        : AcceptBatchLocked(batch, new OwnTopicMembers(batch.Messages));

    /// <summary>Hands the session as much of the batch (<paramref name="members"/> are its messages) as the queue takes,
    /// in order, and encodes once; true when all of it is taken (and the batch no longer waits). Under the lock.</summary>
    private bool AcceptBatchLocked<T>(PublishBatch batch, T members) where T : IBatchMembers, allows ref struct
    {
        int count = members.Count;
        int i = batch.Accepted;
        while (true)
        {
            int start = i;
            while (i < count && _session.CanAccept(members.PayloadAt(i).Length))
            {
                TakeLocked(members.TopicAt(i), members.PayloadAt(i), batch.QoS, batch.Retain, batch);
                i++;
            }
            batch.Accepted = i;
            if (i == start) return false;
            if (i == count && batch.Waiting is { } node)
            {
                _waiters.Remove(node);
                batch.Waiting = null;
            }
            // Encoding may free queue room for the rest; once all is taken it may end the batch (QoS 0 written), so
            // nothing of the batch is read after it.
            PumpLocked();
            if (i == count) return true;
        }
    }

    /// <summary>The token of a batch fired: what was not written is removed (never sent), what was written goes on without it.</summary>
    private void OnBatchCancelled(PublishBatch batch, CancellationToken token)
    {
        lock (_gate)
        {
            if (batch.IsCompleted) return;
            bool freed = false;
            if (batch.Waiting is { } node)
            {
                _waiters.Remove(node);
                batch.Waiting = null;
                freed = true;
            }
            int removed = _session.CancelAll(batch);
            batch.OnCancelled(batch.Accepted - removed, token);
            if (freed || removed > 0) AdmitWaitersLocked();   // it may have held back others behind it
            if (_drained is { } drained && SessionIdle) drained.TrySetResult();
        }
    }
}

using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    /// <summary>
    /// Publishes a message. The returned task completes at the QoS's delivery point: written to the connection
    /// (QoS 0), PUBACK (QoS 1), PUBCOMP (QoS 2). While disconnected, or while the in-flight window is full,
    /// messages queue; when the queue is full this waits (backpressure), it never drops.
    /// </summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="payload">The payload. It must not change until the returned task completes: it is copied once, into the connection's buffer, and again on a re-send.</param>
    /// <param name="qos">The QoS.</param>
    /// <param name="retain">The RETAIN flag.</param>
    /// <param name="cancellationToken">Cancels the wait for queue room or for the acknowledgement; a message already accepted may still be delivered.</param>
    /// <exception cref="ArgumentException">An invalid topic, QoS 3, or a payload too large for one packet.</exception>
    /// <exception cref="MqttClientException">The client gave up (disposed, refused for good) before delivery.</exception>
    public ValueTask PublishAsync(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        PublishCompletion completion;
        lock (_gate)
        {
            if (_fault is { } fault) return ValueTask.FromException(fault);
            if (!_session.CanAccept(payload.Length)) return PublishWhenRoomAsync(topic, payload, qos, retain, cancellationToken);
            if (qos == QualityOfService.AtMostOnce && _output is not null && _session.State == SessionState.Connected
                && _session.QueuedCount == 0 && _outputPending < OutputHighWater)
            {
                // Fast path: QoS 0's delivery point is the write, and it is written right here, so the publish
                // completes synchronously and a caller awaiting each message still fills large socket writes.
                AcceptLocked(topic, payload, qos, retain, state: null);
                return ValueTask.CompletedTask;
            }
            completion = _completions.Rent(cancellationToken);
            AcceptLocked(topic, payload, qos, retain, completion);
        }
        return new ValueTask(completion, completion.Version);
    }

    /// <summary>Publishes to a topic given as a string; see <see cref="PublishAsync(TopicName, ReadOnlyMemory{byte}, QualityOfService, bool, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">The topic breaks a topic-name rule (empty, wildcard, U+0000, over 65,535 bytes).</exception>
    public ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default)
        => PublishAsync(TopicName.Create(topic), payload, qos, retain, cancellationToken);

    private async ValueTask PublishWhenRoomAsync(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            PublishCompletion? completion = null;
            lock (_gate)
            {
                if (_fault is { } fault) throw fault;
                if (_session.CanAccept(payload.Length))
                {
                    completion = _completions.Rent(cancellationToken);
                    AcceptLocked(topic, payload, qos, retain, completion);
                    wait = Task.CompletedTask;
                }
                else
                {
                    _spaceAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _spaceAvailable.Task;
                }
            }
            if (completion is not null)
            {
                await new ValueTask(completion, completion.Version).ConfigureAwait(false);
                return;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Hands a publish the caller checked room for to the session and encodes what is due; under the lock.</summary>
    private void AcceptLocked(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, PublishCompletion? state)
    {
        if (!_session.TryPublish(topic, payload, qos, retain, state))
            throw new InvalidOperationException("the session refused a publish it said it could accept");
        _metrics.OnPublished();
        PumpLocked();
    }
}

using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Transport;

/// <summary>
/// QoS 2 exactly once across process restarts, for a caller that keeps each message in a durable store (MQTT-4.4.0-1):
/// the caller picks each packet id and has it recorded with its message before <see cref="PublishExactlyOnceAsync"/>;
/// it records each PUBREC that <see cref="ExactlyOnceReceived"/> reports and then calls <see cref="Release"/>, which
/// lets PUBREL go; a restarted process calls <see cref="RestoreExactlyOnce"/> for every message whose PUBREC it
/// recorded, publishes the others again with <c>resend: true</c>, and connects with <see cref="MqttClientOptions.CleanSession"/>
/// off. Then a message whose PUBREL may have reached the broker is never published again, and one that is published
/// again carries its old id and DUP, which the broker still holds (it forgets an id only on PUBREL).
/// </summary>
public sealed partial class MqttClient
{
    /// <summary>
    /// Raised for each PUBREC of a publish made with <see cref="PublishExactlyOnceAsync"/> or
    /// <see cref="RestoreExactlyOnce"/>, with its packet id. Raised on the read loop <b>under the client's lock</b>:
    /// the handler must only note the id and return (for example hand it to a writer); it must not wait for anything.
    /// PUBREL for that id is sent once <see cref="Release"/> is called.
    /// </summary>
    public event Action<ushort>? ExactlyOnceReceived;

    /// <summary>
    /// Publishes at QoS 2 with <paramref name="packetId"/>, chosen by the caller and recorded durably with the message
    /// beforehand. Completes at PUBCOMP, like <see cref="PublishAsync(TopicName, ReadOnlyMemory{byte}, QualityOfService, bool, CancellationToken)"/>,
    /// and in call order with it; differences: the PUBLISH waits while the id is still in use (an older publish with the
    /// same id), and its PUBREC waits for <see cref="Release"/> before PUBREL. Does not wait for queue room: the caller
    /// keeps at most <see cref="MqttClientOptions.MaxQueuedMessages"/> of these outstanding.
    /// </summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="payload">The payload; same buffer contract as <c>PublishAsync</c>.</param>
    /// <param name="retain">The RETAIN flag.</param>
    /// <param name="packetId">The packet id, 1–65,535.</param>
    /// <param name="resend">True when an earlier process may have sent this message: it goes out with DUP 1.</param>
    /// <param name="cancellationToken">As for <c>PublishAsync</c>.</param>
    /// <exception cref="ArgumentException">Packet id 0, an invalid topic, or a payload too large for one packet.</exception>
    /// <exception cref="InvalidOperationException">The client's queue is full.</exception>
    /// <exception cref="MqttClientException">The client gave up, or is disconnecting or disconnected, before delivery.</exception>
    public ValueTask PublishExactlyOnceAsync(TopicName topic, ReadOnlyMemory<byte> payload, bool retain, ushort packetId, bool resend,
        CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        PublishCompletion completion;
        lock (_gate)
        {
            if (RefusesOperationsLocked) return ValueTask.FromException(StateErrorLocked());
            _session.CheckPublish(topic, payload.Length, QualityOfService.ExactlyOnce);
            completion = _completions.Rent();
            if (!_session.TryPublishDurable(topic, payload, retain, completion, packetId, resend))
            {
                completion.ReleaseFromSession();
                completion.TrySetException(new InvalidOperationException(
                    $"the client's queue holds MaxQueuedMessages ({_options.MaxQueuedMessages}) messages; keep fewer exactly-once publishes outstanding"));
                return new ValueTask(completion, completion.Version);
            }
            _metrics.OnPublished();
            PumpLocked();
            completion.WatchCancellation(cancellationToken);
        }
        return new ValueTask(completion, completion.Version);
    }

    /// <summary>
    /// Before <see cref="ConnectAsync"/> in a restarted process: puts back a QoS 2 publish an earlier process had in
    /// flight with <paramref name="packetId"/>. With <paramref name="received"/> (its PUBREC was recorded) the connection
    /// re-sends PUBREL, not the PUBLISH; without, the PUBLISH with DUP. The returned task completes at PUBCOMP. If the
    /// broker did not keep the session (Session Present 0) it is published again as a new message.
    /// </summary>
    /// <exception cref="InvalidOperationException">The client has connected already, or the id is in use.</exception>
    /// <exception cref="ArgumentException">Packet id 0, an invalid topic, or a payload too large for one packet.</exception>
    public ValueTask RestoreExactlyOnce(TopicName topic, ReadOnlyMemory<byte> payload, bool retain, ushort packetId, bool received)
    {
        lock (_gate)
        {
            if (_state != MqttClientState.Created)
                throw new InvalidOperationException($"RestoreExactlyOnce needs a client that has not connected yet (it is {_state})");
            // Restore throws before it takes anything; the completion is then simply not used (not pooled again).
            var completion = _completions.Rent();
            _session.Restore(topic, payload, retain, completion, packetId, received);
            _metrics.OnPublished();
            return new ValueTask(completion, completion.Version);
        }
    }

    /// <summary>The PUBREC that <see cref="ExactlyOnceReceived"/> reported for <paramref name="packetId"/> is recorded:
    /// PUBREL may go. An id no longer waiting for this is ignored.</summary>
    public void Release(ushort packetId)
    {
        lock (_gate)
        {
            _session.Release(packetId);
            PumpLocked();
        }
    }

    private void OnPublishReceivedLocked(SessionEvent e) => Raise(ExactlyOnceReceived, e.PacketId);
}

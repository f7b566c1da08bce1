namespace ZeroDepMqtt.Protocol.Session;

public sealed partial class ClientSession
{
    /// <summary>
    /// Accepts a QoS 2 publish whose state the caller keeps durably across process restarts (exactly once across
    /// restarts, MQTT-4.4.0-1). The caller chooses <paramref name="packetId"/> and must have recorded it with the
    /// message durably before this call (for example as a function of the message's sequence number in its store), so
    /// that a restarted process sends the same message with the same id. Two differences from
    /// <see cref="TryPublish"/>: the PUBLISH waits at the head of the queue while <paramref name="packetId"/> is still
    /// in use (in flight, held by a request, or released for a given-up flow), so an id is never reused while the broker
    /// may hold it for another message (MQTT-2.3.1-2); and its PUBREC does not release it at once: it raises
    /// <see cref="SessionEventKind.PublishReceived"/>, and PUBREL is sent only once the caller, having recorded the
    /// PUBREC durably, calls <see cref="Release"/>. Returns false, taking nothing, when the queue is full.
    /// </summary>
    /// <param name="topic">The validated topic.</param>
    /// <param name="payload">The payload; it must stay unchanged until the publish completes or fails.</param>
    /// <param name="retain">The RETAIN flag.</param>
    /// <param name="state">Returned in this publish's events.</param>
    /// <param name="packetId">The packet id, 1–65,535 (MQTT-2.3.1-1).</param>
    /// <param name="resend">True when an earlier process may have sent this PUBLISH already: it goes out with DUP 1
    /// (MQTT-3.3.1-1), which a broker that never saw the id treats as a new message.</param>
    /// <exception cref="ArgumentException">Packet id 0, or what <see cref="CheckPublish"/> throws.</exception>
    public bool TryPublishDurable(TopicName topic, ReadOnlyMemory<byte> payload, bool retain, object? state, ushort packetId, bool resend)
    {
        if (packetId == 0) ThrowHelper.Argument(nameof(packetId), "packet id 0 is not allowed (MQTT-2.3.1-1).");
        if (!TryPublish(topic, payload, QualityOfService.ExactlyOnce, retain, state)) return false;
        var m = _queue.Tail!;
        m.FixedId = packetId;
        m.Durable = true;
        m.SentBefore = resend;
        return true;
    }

    /// <summary>
    /// Restores a QoS 2 publish an earlier process had in flight, from the caller's durable store, before a connection
    /// that keeps the session: its id is in flight at once. With <paramref name="received"/> (its PUBREC was recorded)
    /// the next connection that keeps the session re-sends PUBREL, never the PUBLISH (MQTT-4.3.3-1); without, it
    /// re-sends the PUBLISH with DUP 1 and the same id (MQTT-4.4.0-1). When the broker did not keep the session, it is
    /// sent again as a new PUBLISH, like every unacknowledged publish. It then behaves as one accepted with
    /// <see cref="TryPublishDurable"/>. Not counted against the queue; may exceed the windows (new publishes wait).
    /// </summary>
    /// <exception cref="InvalidOperationException">A connection is up, or <paramref name="packetId"/> is in use.</exception>
    /// <exception cref="ArgumentException">Packet id 0, or what <see cref="CheckPublish"/> throws.</exception>
    public void Restore(TopicName topic, ReadOnlyMemory<byte> payload, bool retain, object? state, ushort packetId, bool received)
    {
        if (State != SessionState.Disconnected) ThrowHelper.InvalidOperation($"Restore while {State}: restore before ConnectionUp.");
        if (packetId == 0) ThrowHelper.Argument(nameof(packetId), "packet id 0 is not allowed (MQTT-2.3.1-1).");
        CheckPublish(topic, payload.Length, QualityOfService.ExactlyOnce);
        if (IdInUse(packetId)) ThrowHelper.InvalidOperation($"Restore: packet id {packetId} is already in use.");
        var m = _pool.TryPop(out var pooled) ? pooled : new OutgoingMessage();
        m.Topic = topic;
        m.Payload = payload;
        m.QoS = QualityOfService.ExactlyOnce;
        m.Retain = retain;
        m.State = state;
        m.Sequence = ++_sequence;
        m.PacketId = m.FixedId = packetId;
        m.Durable = true;
        m.SentBefore = true;
        m.Stage = received ? OutgoingStage.AwaitingComp : OutgoingStage.AwaitingAck;
        _inFlight.Add(m);
        _qos2InFlight++;
        (received ? _awaitingComp : _awaitingAck).Append(m);
    }

    /// <summary>
    /// The caller recorded durably the PUBREC that <see cref="SessionEventKind.PublishReceived"/> reported for
    /// <paramref name="packetId"/>: PUBREL may go (now when connected, else on the next connection that keeps the
    /// session). An id no longer held, or not waiting for this, is ignored (the publish ended, or the broker lost the
    /// session and it is being sent again).
    /// </summary>
    public void Release(ushort packetId)
    {
        if (_inFlight.Find(packetId) is not { ReleaseHeld: true } m) return;
        m.ReleaseHeld = false;
        if (State == SessionState.Connected) _control.Enqueue(new ControlPacket(PacketType.PubRel, packetId));
    }

    // A fixed id still held: by a message in flight, a request, or a flow given up while the broker may hold it.
    private bool IdInUse(ushort id)
        => _inFlight.Contains(id) || (_requests.Count != 0 && _requests.ContainsKey(id))
           || (_orphanReleases.Count != 0 && _orphanReleases.Contains(id));
}

using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Protocol.Session;

/// <summary>
/// The client's MQTT session as an I/O-free state machine: no sockets, timers or threads. The caller feeds it
/// connection changes, received frames, the current time and publish/subscribe requests; it answers with
/// bytes to send (<see cref="WriteOutgoing(System.Buffers.IBufferWriter{byte}, TimeSpan)"/>), events (<see cref="TryGetEvent"/>) and a deadline
/// (<see cref="NextDeadline"/>). Not thread-safe: one caller at a time.
/// </summary>
/// <remarks>
/// Delivery promise: every accepted publish ends in exactly one <see cref="SessionEventKind.PublishCompleted"/>,
/// <see cref="SessionEventKind.PublishFailed"/> or <see cref="SessionEventKind.PublishDowngraded"/> event. QoS 1/2 messages stay held until their final ack and are
/// re-sent after a reconnect: with DUP and the same id when the broker kept the session (MQTT-4.4.0-1), PUBREL for
/// QoS 2 past PUBREC, and as fresh PUBLISH packets when it did not.
/// </remarks>
public sealed partial class ClientSession
{
    /// <summary>The largest in-flight window: 65,535 ids less room for <see cref="MaxPendingRequests"/>.</summary>
    public const int MaxWindow = 65_535 - MaxPendingRequests;

    /// <summary>The most SUBSCRIBE/UNSUBSCRIBE requests awaiting their ack at once.</summary>
    public const int MaxPendingRequests = 535;

    private readonly ClientSessionOptions _options;
    private readonly MessageList _queue = new();          // accepted, not yet in flight
    private readonly MessageList _awaitingAck = new();    // PUBLISH sent, send order
    private readonly MessageList _awaitingComp = new();   // PUBREL sent, PUBREC order
    private readonly InFlightTable _inFlight = new();
    private readonly Stack<OutgoingMessage> _pool = new();
    private readonly Queue<SessionEvent> _events = new();
    private long _queuedBytes;
    private int _qos2InFlight;
    private readonly HashSet<ushort> _orphanReleases = new();   // ids given up by FailAll after PUBREC; see FailAll
    private long _sequence;
    private ushort _lastPacketId;
    private long _publishBudget;   // PUBLISH bytes the current WriteOutgoing call may still write
    private bool _batchOpen;       // the last WriteOutgoing call stopped at its budget mid-batch

    /// <summary>Creates a session.</summary>
    /// <exception cref="ArgumentException">Options that no CONNECT could carry (see <see cref="Connect.WriteTo"/>), or a window outside 1–65,535.</exception>
    public ClientSession(ClientSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxInFlight is < 1 or > MaxWindow)
            ThrowHelper.ArgumentOutOfRange(nameof(options.MaxInFlight), $"MaxInFlight {options.MaxInFlight} is outside 1..{MaxWindow} (16-bit packet ids, shared with subscribe requests; MQTT-2.3.1-2).");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxInFlightQoS2, 1, nameof(options.MaxInFlightQoS2));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxQueuedMessages, 1, nameof(options.MaxQueuedMessages));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxQueuedBytes, 1, nameof(options.MaxQueuedBytes));
        _options = options;
        _qos2Window = options.MaxInFlightQoS2;
        _connect = BuildConnect(options.UserName, options.Password);
        _ = _connect.EncodedLength; // validates the CONNECT now rather than at the first connection
    }

    /// <summary>The options.</summary>
    public ClientSessionOptions Options => _options;

    /// <summary>The connection state.</summary>
    public SessionState State { get; private set; }

    /// <summary>QoS 1/2 publishes awaiting their final ack.</summary>
    public int InFlightCount => _inFlight.Count;

    /// <summary>Publishes accepted but not yet sent.</summary>
    public int QueuedCount => _queue.Count;

    /// <summary>PUBLISH and PUBREL packets sent again after a reconnect, over the session's life.</summary>
    public long ResentCount { get; private set; }

    /// <summary>Whether <see cref="TryPublish"/> would accept a message of <paramref name="payloadLength"/> bytes now.</summary>
    public bool CanAccept(int payloadLength = 0)
        => _queue.Count < _options.MaxQueuedMessages
           && (_queue.Count == 0 || _queuedBytes + payloadLength <= _options.MaxQueuedBytes);

    /// <summary>Whether <see cref="TryPublish"/> would accept <paramref name="count"/> more messages of
    /// <paramref name="bytes"/> bytes in all now, one after the other (conservative: it may say no where one by one would not).</summary>
    public bool CanAccept(int count, long bytes)
        => (long)_queue.Count + count <= _options.MaxQueuedMessages
           && ((_queue.Count == 0 && count == 1) || _queuedBytes + bytes <= _options.MaxQueuedBytes);

    /// <summary>Dequeues the next event; events come out in the order they happened.</summary>
    public bool TryGetEvent(out SessionEvent sessionEvent) => _events.TryDequeue(out sessionEvent);

    /// <summary>
    /// Accepts a publish. Returns false, taking nothing, when the queue is full: the caller waits for a completion
    /// and tries again (backpressure, never a drop).
    /// </summary>
    /// <param name="topic">The validated topic.</param>
    /// <param name="payload">The payload; it must stay unchanged until the publish completes or fails.</param>
    /// <param name="qos">The QoS.</param>
    /// <param name="retain">The RETAIN flag.</param>
    /// <param name="state">Returned in this publish's completion event.</param>
    /// <exception cref="ArgumentException">No topic, QoS 3, a 3.1 topic above 32,767 bytes, or a packet too large to encode.</exception>
    public bool TryPublish(TopicName topic, ReadOnlyMemory<byte> payload, QualityOfService qos, bool retain, object? state)
    {
        CheckPublish(topic, payload.Length, qos);
        if (!CanAccept(payload.Length)) return false;

        var m = _pool.TryPop(out var pooled) ? pooled : new OutgoingMessage();
        m.Topic = topic;
        m.Payload = payload;
        m.QoS = qos;
        m.Retain = retain;
        m.State = state;
        m.Stage = OutgoingStage.Queued;
        m.Sequence = ++_sequence;
        _queue.Append(m);
        _queuedBytes += payload.Length;
        return true;
    }

    /// <summary>Throws what <see cref="TryPublish"/> would throw for these arguments, without accepting anything.</summary>
    /// <exception cref="ArgumentException">No topic, QoS 3, a 3.1 topic above 32,767 bytes, or a packet too large to encode.</exception>
    public void CheckPublish(TopicName topic, int payloadLength, QualityOfService qos)
    {
        if (topic.IsEmpty) ThrowHelper.Argument(nameof(topic), "PUBLISH needs a topic name (MQTT-4.7.3-1).");
        PacketWriting.CheckQoS(qos, nameof(qos));
        if (_options.Version == MqttProtocolVersion.V310 && topic.Utf8.Length > MqttV310Limits.MaxTopicBytes)
            ThrowHelper.Argument(nameof(topic), $"the topic is {topic.Utf8.Length} bytes; MQTT 3.1 allows {MqttV310Limits.MaxTopicBytes} (MQTT 3.1 §3.3).");
        if ((long)payloadLength + topic.Utf8.Length + 4 > RemainingLength.Max)
            ThrowHelper.Argument("payload", $"a {payloadLength}-byte payload does not fit one PUBLISH (Remaining Length at most {RemainingLength.Max}, MQTT-2.2.3).");
    }

    /// <summary>
    /// The caller gave up waiting for the publish accepted with <paramref name="state"/>. Not yet written: it is removed
    /// and never sent (no event follows). Already written: it stays in flight to its final ack (a PUBLISH on the wire
    /// cannot be recalled), with its own copy of the payload so the caller may reuse its buffer, and without its
    /// state (no event follows either). O(queue + window): cancellation is rare, the hot path pays nothing.
    /// </summary>
    public PublishCancelOutcome TryCancel(object state)
    {
        ArgumentNullException.ThrowIfNull(state);
        for (var m = _queue.Tail; m is not null; m = m.Prev)
        {
            if (!ReferenceEquals(m.State, state)) continue;
            _queue.Remove(m);
            _queuedBytes -= m.Payload.Length;
            Recycle(m);
            return PublishCancelOutcome.Removed;
        }
        if (Detach(_awaitingAck, state) || Detach(_awaitingComp, state)) return PublishCancelOutcome.Detached;
        return PublishCancelOutcome.NotFound;
    }

    /// <summary>
    /// <see cref="TryCancel"/> for every publish accepted with <paramref name="state"/> (a batch shares one state): the
    /// ones not yet written are removed and never sent, the written ones stay in flight on their own payload copies,
    /// without the state. No event follows for any of them. Returns how many were removed. O(queue + window).
    /// </summary>
    public int CancelAll(object state)
    {
        ArgumentNullException.ThrowIfNull(state);
        int removed = 0;
        for (var m = _queue.Head; m is not null;)
        {
            var next = m.Next;
            if (ReferenceEquals(m.State, state))
            {
                _queue.Remove(m);
                _queuedBytes -= m.Payload.Length;
                Recycle(m);
                removed++;
            }
            m = next;
        }
        DetachAll(_awaitingAck, state);
        DetachAll(_awaitingComp, state);
        return removed;
    }

    private static void DetachAll(MessageList list, object state)
    {
        for (var m = list.Head; m is not null; m = m.Next)
        {
            if (!ReferenceEquals(m.State, state)) continue;
            m.Payload = m.Payload.ToArray();
            m.State = null;
        }
    }

    private static bool Detach(MessageList list, object state)
    {
        for (var m = list.Head; m is not null; m = m.Next)
        {
            if (!ReferenceEquals(m.State, state)) continue;
            // Even past PUBREC: a broker that lost the session gets the PUBLISH again (ScheduleResend), which reads it.
            m.Payload = m.Payload.ToArray();
            m.State = null;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Gives up every queued and in-flight publish and every pending request, each with a failure event.
    /// For a caller that stops for good (disposed, refused for good); the session stays usable.
    /// </summary>
    public void FailAll()
    {
        // QoS 2 past PUBREC, and QoS 2 PUBLISH sent but not yet PUBREC'd (the broker may have it and its PUBREC be on the
        // way): the broker may hold these ids until PUBREL. Keep them reserved and release them silently on the next
        // connection that keeps the session, so a reused id is never taken for a duplicate and the new message swallowed.
        for (var m = _awaitingComp.Head; m is not null; m = m.Next) _orphanReleases.Add(m.PacketId);
        for (var m = _awaitingAck.Head; m is not null; m = m.Next)
            if (m.QoS == QualityOfService.ExactlyOnce && m.SentBefore) _orphanReleases.Add(m.PacketId);
        FailList(_queue);
        FailList(_awaitingAck);
        FailList(_awaitingComp);
        _inFlight.Clear();
        _qos2InFlight = 0;
        _qos2PublishedHere = 0;
        _queuedBytes = 0;
        _resendPending = 0;
        FailRequests(includeUnsent: true);
    }

    private void FailList(MessageList list)
    {
        while (list.Head is { } m)
        {
            list.Remove(m);
            _events.Enqueue(new SessionEvent(SessionEventKind.PublishFailed, m.State));
            Recycle(m);
        }
    }

    private void Complete(OutgoingMessage m) => End(m, SessionEventKind.PublishCompleted);

    private void End(OutgoingMessage m, SessionEventKind outcome)
    {
        m.Owner?.Remove(m);
        ForgetQos2Published(m);
        if (m.PacketId != 0 && _inFlight.Remove(m.PacketId) && m.QoS == QualityOfService.ExactlyOnce) _qos2InFlight--;
        if (m.NeedsSend) { m.NeedsSend = false; _resendPending--; }
        _events.Enqueue(new SessionEvent(outcome, m.State));
        Recycle(m);
    }

    private void Recycle(OutgoingMessage m)
    {
        m.Reset();
        _pool.Push(m);
    }

    /// <summary>Allocates a packet id not in use by a publish or a request (MQTT-2.3.1-2); never 0 (MQTT-2.3.1-1).</summary>
    private ushort NextPacketId()
    {
        // The window is below 65,535, so a free id always exists and the loop ends.
        while (true)
        {
            _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);
            if (!_inFlight.Contains(_lastPacketId) && (_requests.Count == 0 || !_requests.ContainsKey(_lastPacketId))
                && (_orphanReleases.Count == 0 || !_orphanReleases.Contains(_lastPacketId)))
                return _lastPacketId;
        }
    }
}

using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Oracles;

/// <summary>
/// What a correct <see cref="ClientSession"/> must look like from outside, for its outgoing publishes: which ids are in
/// flight or still held by the broker, what may be written again and how, when each publish may end, and the counts
/// and windows. A driver (the FsCheck model, the fuzz harness) reports what it saw (publishes accepted, packets
/// written, acks the session took, CONNACKs, events) and calls <see cref="Check"/> after every step and
/// <see cref="Finish"/> once the broker has acknowledged everything. A breach calls the failure callback, which throws.
/// </summary>
public sealed class SessionOracle(Action<string> fail)
{
    /// <summary>One accepted publish as the oracle tracks it (set only by the oracle).</summary>
    public sealed class Message(int tag, QualityOfService qos)
    {
        public int Tag { get; } = tag;                    // the driver's number for it (the session's state object)
        public QualityOfService QoS { get; } = qos;       // the QoS it was accepted at
        public ushort Id { get; internal set; }           // its packet id once written, kept across re-sends
        public bool Written { get; internal set; }
        public bool PubRecAccepted { get; internal set; } // QoS 2 past PUBREC on a kept session: only PUBREL may follow (MQTT-4.3.3-1)
        public bool Acked { get; internal set; }          // its final ack was taken: it must end in the same step
        public int Ends { get; internal set; }            // completed, failed or downgraded: exactly once in the end
        internal bool WrittenThisSession;                 // written since the broker last had no session: a re-send has DUP 1
    }

    private readonly Dictionary<int, Message> _messages = new();
    private readonly Dictionary<ushort, Message> _inFlight = new();   // written with an id, not ended
    private readonly HashSet<ushort> _reserved = new();               // QoS 2 ids past PUBREC that FailAll gave up
    private readonly HashSet<ushort> _mayRelease = new();             // ids whose PUBREL may be queued since the last write
    private readonly Queue<Message> _qos0Written = new();             // written, must complete in write order
    private readonly HashSet<ushort> _inboundQos2 = new();            // QoS 2 ids delivered to the application, not yet released

    /// <summary>Every accepted publish, by tag.</summary>
    public IReadOnlyDictionary<int, Message> Messages => _messages;

    /// <summary>The ids of the publishes in flight.</summary>
    public IEnumerable<ushort> InFlightIds => _inFlight.Keys;

    /// <summary>The publish in flight with <paramref name="id"/>, if any.</summary>
    public Message? InFlight(ushort id) => _inFlight.GetValueOrDefault(id);

    /// <summary>Whether <paramref name="id"/> is taken by a publish: in flight, or held by the broker after FailAll.</summary>
    public bool HoldsId(ushort id) => _inFlight.ContainsKey(id) || _reserved.Contains(id);

    /// <summary>The session accepted a publish.</summary>
    public void Accepted(int tag, QualityOfService qos)
    {
        if (!_messages.TryAdd(tag, new Message(tag, qos))) Fail($"tag {tag} accepted twice");
    }

    /// <summary>The session wrote a PUBLISH of <paramref name="tag"/>.</summary>
    public void PublishWritten(int tag, QualityOfService qos, ushort id, bool dup)
    {
        if (!_messages.TryGetValue(tag, out var m)) { Fail($"PUBLISH of message {tag}, never accepted"); return; }
        if (m.Ends > 0) Fail($"message {tag} written after it ended");
        if (qos != m.QoS) Fail($"message {tag} written at QoS {(byte)qos}, accepted at {(byte)m.QoS}");
        if (m.QoS == QualityOfService.AtMostOnce)
        {
            if (m.Written) Fail($"QoS 0 message {tag} written twice (MQTT-4.3.1-1)");
            if (dup) Fail($"QoS 0 message {tag} written with DUP (MQTT-3.3.1-2)");
            m.Written = true;
            _qos0Written.Enqueue(m);
            return;
        }
        if (id == 0) Fail($"message {tag} written with packet id 0 (MQTT-2.3.1-1)");
        if (_reserved.Contains(id)) Fail($"message {tag} uses id {id}, still held by the broker for a message FailAll gave up");
        if (_inFlight.TryGetValue(id, out var other) && other != m) Fail($"id {id} in flight for messages {other.Tag} and {tag} (MQTT-2.3.1-2)");
        if (m.PubRecAccepted) Fail($"QoS 2 message {tag} PUBLISHed again after PUBREC (MQTT-4.3.3-1)");
        if (m.Written && m.Id != id) Fail($"message {tag} re-sent with id {id}, first sent with {m.Id}");
        // MQTT-3.3.1-1, MQTT-4.4.0-1: a re-send to a broker that kept the session carries DUP; a first send, or the first
        // send to a broker that lost the session, does not.
        if (m.WrittenThisSession && !dup) Fail($"re-send of message {tag} without DUP (MQTT-3.3.1-1)");
        if (!m.WrittenThisSession && dup) Fail($"first send of message {tag} (in this broker session) with DUP (MQTT-3.3.1-1)");
        m.Id = id;
        m.Written = m.WrittenThisSession = true;
        _inFlight[id] = m;
    }

    /// <summary>The session wrote a PUBREL.</summary>
    public void PubRelWritten(ushort id)
    {
        // MQTT-2.3.1-6, MQTT-4.3.3-1: for a QoS 2 message past PUBREC; for an id the broker may still hold after FailAll
        // gave its message up; or one queued since the last write: PUBREC'd while the session had nothing for it, or
        // whose message ended (an early or repeated PUBCOMP) after its PUBREL was queued.
        if (_inFlight.TryGetValue(id, out var m) && m.PubRecAccepted) return;
        if (_mayRelease.Contains(id) || _reserved.Contains(id)) return;
        Fail(m is null ? $"PUBREL {id} for no message" : $"PUBREL {id} for message {m.Tag}, which had no PUBREC");
    }

    /// <summary>The session took a PUBACK (from <see cref="ClientSession.Receive"/> without an exception).</summary>
    public void PubAckAccepted(ushort id)
    {
        if (!_inFlight.TryGetValue(id, out var m)) return;
        // QoS 2 before PUBREC: a broker without QoS 2 (RabbitMQ); the session ends it as downgraded.
        if (m.QoS == QualityOfService.ExactlyOnce && m.PubRecAccepted) Fail($"PUBACK accepted for QoS 2 message {m.Tag} past PUBREC");
        m.Acked = true;
    }

    /// <summary>The session took a PUBREC.</summary>
    public void PubRecAccepted(ushort id)
    {
        if (!_inFlight.TryGetValue(id, out var m)) { _mayRelease.Add(id); return; }
        if (m.QoS != QualityOfService.ExactlyOnce) Fail($"PUBREC accepted for QoS 1 message {m.Tag}");
        m.PubRecAccepted = true;
    }

    /// <summary>The session took a PUBCOMP.</summary>
    public void PubCompAccepted(ushort id)
    {
        if (_inFlight.TryGetValue(id, out var m))
        {
            if (m.QoS != QualityOfService.ExactlyOnce || !m.PubRecAccepted) Fail($"PUBCOMP accepted for message {m.Tag} before PUBREC");
            m.Acked = true;
        }
        else if (_reserved.Remove(id))
        {
            _mayRelease.Add(id); // its orphan PUBREL may still be queued
        }
    }

    /// <summary>The session wrote everything it had (WriteOutgoing): no PUBREL queued before is still pending.</summary>
    public void Flushed() => _mayRelease.Clear();

    /// <summary>The connection was lost: the session drops the control packets it had not written.</summary>
    public void ConnectionLost() => _mayRelease.Clear();

    /// <summary>The session took an accepting CONNACK; <paramref name="sessionKept"/>: CleanSession 0 and Session
    /// Present 1 (or MQTT 3.1, which has no Session Present).</summary>
    public void ConnAckAccepted(bool sessionKept)
    {
        if (sessionKept) return;
        // The broker has no state: every flow starts afresh, and nothing it held is held any more.
        _reserved.Clear();
        _inboundQos2.Clear();
        foreach (var m in _inFlight.Values) m.PubRecAccepted = m.WrittenThisSession = false;
    }

    /// <summary>
    /// Whether a PUBLISH the session took must reach the application (what <see cref="ClientSession.Receive"/> must
    /// return): QoS 2 only once until its PUBREL (MQTT-4.3.3-2); a repeat carries DUP (MQTT-3.3.1-1), so DUP 0 on a
    /// held id is a new message from a broker that lost its state.
    /// </summary>
    public bool InboundPublish(QualityOfService qos, ushort id, bool dup)
        => qos != QualityOfService.ExactlyOnce || _inboundQos2.Add(id) || !dup;

    /// <summary>The session took a PUBREL: the id names a new message from now on.</summary>
    public void InboundPubRel(ushort id) => _inboundQos2.Remove(id);

    /// <summary>
    /// The session reported the end of a publish. <paramref name="failAllStep"/>: the step called
    /// <see cref="ClientSession.FailAll"/>, the only reason a publish may fail.
    /// </summary>
    public void Ended(int tag, SessionEventKind kind, bool failAllStep)
    {
        if (!_messages.TryGetValue(tag, out var m)) { Fail($"{kind} for message {tag}, never accepted"); return; }
        if (++m.Ends > 1) Fail($"message {tag} ended twice ({kind})");
        switch (kind)
        {
            case SessionEventKind.PublishDowngraded:
                if (m.QoS != QualityOfService.ExactlyOnce || m.PubRecAccepted || !m.Acked) Fail($"message {tag} ended downgraded without a PUBACK before PUBREC");
                break;
            case SessionEventKind.PublishFailed:
                if (!failAllStep) Fail($"message {tag} failed outside FailAll");
                // FailAll keeps the id of a QoS 2 PUBLISH the broker may hold (written in its session, or PUBREC'd)
                // reserved until a PUBREL on a kept session releases it.
                if (m.QoS == QualityOfService.ExactlyOnce && (m.WrittenThisSession || m.PubRecAccepted)) _reserved.Add(m.Id);
                break;
            case SessionEventKind.PublishCompleted when m.QoS == QualityOfService.AtMostOnce:
                // QoS 0 completes when written, and in write order.
                if (!m.Written) Fail($"QoS 0 message {tag} completed without being written");
                else if (_qos0Written.Dequeue() != m) Fail($"QoS 0 message {tag} completed out of write order");
                break;
            case SessionEventKind.PublishCompleted:
                if (!m.Acked) Fail($"message {tag} completed without its ack");
                break;
            default:
                Fail($"{kind} is not the end of a publish");
                break;
        }
        if (m.PubRecAccepted) _mayRelease.Add(m.Id);
        if (m.Id != 0 && _inFlight.TryGetValue(m.Id, out var held) && held == m) _inFlight.Remove(m.Id);
    }

    /// <summary>After every step: what was acknowledged has ended, and the session's counts and windows agree.</summary>
    public void Check(ClientSession session)
    {
        var options = session.Options;
        foreach (var m in _inFlight.Values)
            if (m.Acked) Fail($"message {m.Tag}'s final ack was accepted but it did not complete");
        if (_qos0Written.Count > 0) Fail($"QoS 0 message {_qos0Written.Peek().Tag} was written but did not complete");
        if (session.InFlightCount != _inFlight.Count)
            Fail($"InFlightCount {session.InFlightCount}, but {_inFlight.Count} publishes were written and not ended");
        if (_inFlight.Count > options.MaxInFlight) Fail($"{_inFlight.Count} in flight, window {options.MaxInFlight}");
        int qos2 = _inFlight.Values.Count(m => m.QoS == QualityOfService.ExactlyOnce);
        if (qos2 > options.MaxInFlightQoS2) Fail($"{qos2} QoS 2 in flight, window {options.MaxInFlightQoS2}");
        int queued = _messages.Values.Count(m => !m.Written && m.Ends == 0);
        if (session.QueuedCount != queued) Fail($"QueuedCount {session.QueuedCount}, but {queued} publishes are accepted and unwritten");
    }

    /// <summary>After a reconnect that kept the session and a broker that acknowledged everything: nothing is left.</summary>
    public void Finish(ClientSession session)
    {
        foreach (var m in _messages.Values)
            if (m.Ends != 1) Fail($"message {m.Tag} (QoS {(byte)m.QoS}) was accepted but ended {m.Ends} times");
        if (session.InFlightCount != 0 || session.QueuedCount != 0) Fail("the session still holds messages after everything was acknowledged");
        if (_reserved.Count > 0 && !session.Options.CleanSession) Fail($"ids {string.Join(",", _reserved)} were never released");
    }

    private void Fail(string what)
    {
        fail(what);
        throw new InvalidOperationException(what); // the callback must throw; this keeps the oracle from going on
    }
}

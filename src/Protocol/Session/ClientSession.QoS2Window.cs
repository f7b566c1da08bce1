namespace ZeroDepMqtt.Protocol.Session;

// The QoS 2 window the broker allows. MQTT 3.1.1 cannot say how many incoming QoS 2 flows a broker keeps per client; a
// broker with a limit (Mosquitto's max_inflight_messages since 2.0.12, EMQX's max_awaiting_rel) closes the connection
// on the PUBLISH that goes over it, a PUBLISH that therefore never gets its PUBREC. With the same window every
// re-send goes over again: with a lost session (every flow re-sent as a new PUBLISH) the client would reconnect
// forever. So two such closes in a row, with too few flows completed in between to call the window good, halve it.
public sealed partial class ClientSession
{
    private int _qos2Window;            // the window new QoS 2 publishes and re-sends use; starts at MaxInFlightQoS2
    private int _qos2PublishedHere;     // QoS 2 PUBLISH written on this connection, PUBREC not yet received
    private int _qos2CompletedHere;     // QoS 2 flows completed (PUBCOMP) on this connection
    private OutgoingMessage? _newestQos2;   // the last QoS 2 PUBLISH written on this connection, with its Sequence:
    private long _newestQos2Sequence;       // messages are pooled, so the pair tells whether it is still that flow
    private bool _qos2Strike;           // the last connection ended in a close that looked like a QoS 2 limit

    /// <summary>
    /// The most QoS 2 publishes in flight at once now: <see cref="ClientSessionOptions.MaxInFlightQoS2"/>, halved each
    /// time the broker closed two connections in a row on a QoS 2 PUBLISH while at least two QoS 2 flows were open,
    /// with fewer flows than the window completed in between (see <see cref="ConnectionLost(bool)"/>). Never below 1;
    /// it does not grow back, so a broker with a limit is not probed again (each probe would be a dropped connection).
    /// </summary>
    public int QoS2Window => _qos2Window;

    /// <summary>How many times <see cref="QoS2Window"/> was lowered.</summary>
    public int QoS2WindowReductions { get; private set; }

    /// <summary>Whether the last connection's end looked like the broker's QoS 2 limit (a strike, see
    /// <see cref="QoS2Window"/>): a caller that reads quick closes as another client taking over the client id should not
    /// count this one. Never true once the window is 1 (one open flow is no strike).</summary>
    public bool LastCloseLookedLikeQoS2Limit { get; private set; }

    // QoS 2 flows the broker may count against its limit: PUBREC'd ones until PUBCOMP, and those published on this
    // connection (on TCP the broker holds a prefix of what was written, so flows not re-sent yet are not among them).
    private int Qos2Open => _awaitingComp.Count + _qos2PublishedHere;

    private bool Qos2PublishFits => Qos2Open < _qos2Window;

    private void NoteQos2Published(OutgoingMessage m)
    {
        if (!m.PublishedHere) { m.PublishedHere = true; _qos2PublishedHere++; }
        _newestQos2 = m;
        _newestQos2Sequence = m.Sequence;
    }

    // The flow left AwaitingAck (PUBREC, or it ended): it no longer counts as published on this connection.
    private void ForgetQos2Published(OutgoingMessage m)
    {
        if (!m.PublishedHere) return;
        m.PublishedHere = false;
        _qos2PublishedHere--;
    }

    private void NoteQos2Completed()
    {
        if (++_qos2CompletedHere >= _qos2Window) _qos2Strike = false;   // a full window went through: the window is good
    }

    /// <summary>At the end of a connection: a close by the broker while the newest QoS 2 PUBLISH had no PUBREC and two or
    /// more flows were open is a strike; the second in a row halves the window.</summary>
    private void JudgeQos2Window(bool closedByBroker)
    {
        int open = Qos2Open;
        bool strike = closedByBroker && State == SessionState.Connected && open >= 2
            && _newestQos2 is { } newest && newest.Sequence == _newestQos2Sequence && newest.PublishedHere;
        LastCloseLookedLikeQoS2Limit = strike;
        if (!strike) _qos2Strike = false;
        else if (!_qos2Strike) _qos2Strike = true;
        else
        {
            _qos2Window = Math.Max(1, Math.Min(_qos2Window, open) / 2);
            QoS2WindowReductions++;
            _qos2Strike = false;
        }
        _qos2PublishedHere = 0;
        _qos2CompletedHere = 0;
        _newestQos2 = null;
        for (var m = _awaitingAck.Head; m is not null; m = m.Next) m.PublishedHere = false;
    }
}

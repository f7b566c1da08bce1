namespace ZeroDepMqtt.Protocol.Session;

public sealed partial class ClientSession
{
    private int _resendPending;

    /// <summary>Marks what the new connection must re-send, per MQTT-4.4.0-1 and DESIGN.md's delivery promise.</summary>
    private void ScheduleResend(bool sessionKept)
    {
        if (_awaitingAck.Count == 0 && _awaitingComp.Count == 0) return;
        if (sessionKept)
        {
            // PUBREL for QoS 2 past PUBREC (never the PUBLISH again, MQTT-4.3.3-1), in PUBREC order (MQTT-4.6.0-4);
            // PUBLISH with DUP and the original id in the original order (MQTT-3.3.1-1, MQTT-4.6.0-1).
            for (var m = _awaitingComp.Head; m is not null; m = m.Next)
                if (!m.ReleaseHeld) MarkForSend(m);   // a held one goes with its Release
            for (var m = _awaitingAck.Head; m is not null; m = m.Next) MarkForSend(m);
            return;
        }

        // The broker has no state for these ids: send every unacknowledged message again as a new PUBLISH
        // (DUP 0, same id) in first-acceptance order. Rare, so a temporary array is fine.
        var all = new List<OutgoingMessage>(_awaitingAck.Count + _awaitingComp.Count);
        while (_awaitingComp.Head is { } c) { _awaitingComp.Remove(c); all.Add(c); }
        while (_awaitingAck.Head is { } a) { _awaitingAck.Remove(a); all.Add(a); }
        all.Sort(static (x, y) => x.Sequence.CompareTo(y.Sequence));
        foreach (var m in all)
        {
            m.Stage = OutgoingStage.AwaitingAck;
            m.SentBefore = false;
            m.ReleaseHeld = false;   // its new PUBREC is reported again
            _awaitingAck.Append(m);
            MarkForSend(m);
        }
    }

    // Re-sends that may go now: any PUBREL, or the first marked PUBLISH unless it is a QoS 2 one the window holds back.
    // Walks the lists only while re-sends are pending (after a reconnect), and those lists are at most a window long.
    private bool ResendDue
    {
        get
        {
            if (_resendPending == 0) return false;
            for (var m = _awaitingComp.Head; m is not null; m = m.Next)
                if (m.NeedsSend) return true;
            for (var m = _awaitingAck.Head; m is not null; m = m.Next)
                if (m.NeedsSend) return m.QoS != QualityOfService.ExactlyOnce || Qos2PublishFits;
            return false;
        }
    }

    private void MarkForSend(OutgoingMessage m)
    {
        if (m.NeedsSend) return;
        m.NeedsSend = true;
        _resendPending++;
    }

    private void ClearResendMarks()
    {
        if (_resendPending == 0) return;
        for (var m = _awaitingComp.Head; m is not null; m = m.Next) m.NeedsSend = false;
        for (var m = _awaitingAck.Head; m is not null; m = m.Next) m.NeedsSend = false;
        _resendPending = 0;
    }
}

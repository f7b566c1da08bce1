namespace ZeroDepMqtt.Protocol.Session;

/// <summary>Where an outgoing publish is in its QoS flow.</summary>
internal enum OutgoingStage : byte
{
    Queued,
    AwaitingAck,   // PUBLISH sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
    AwaitingComp,  // PUBREL sent; waiting for PUBCOMP. The PUBLISH is never sent again (MQTT-4.3.3-1).
}

/// <summary>
/// One accepted publish, pooled and reused so the steady-state publish path allocates nothing. It sits in
/// exactly one intrusive list at a time: the queue, the awaiting-ack list (send order, MQTT-4.6.0-1) or the
/// awaiting-comp list (PUBREC order, MQTT-4.6.0-4).
/// </summary>
internal sealed class OutgoingMessage
{
    public TopicName Topic;
    public ReadOnlyMemory<byte> Payload;
    public QualityOfService QoS;
    public bool Retain;
    public object? State;
    public ushort PacketId;
    public OutgoingStage Stage;
    public bool SentBefore;     // a PUBLISH with this id went out before: the next one carries DUP (MQTT-3.3.1-1)
    public bool NeedsSend;      // the next WriteOutgoing sends it (PUBLISH or PUBREL per Stage)
    public long Sequence;       // first acceptance order, to rebuild send order after a lost session
    public ushort FixedId;      // the id the caller chose (TryPublishDurable, Restore); 0: the session picks one
    public bool Durable;        // the caller keeps its state durably: PUBREC waits for Release before PUBREL
    public bool ReleaseHeld;    // PUBREC arrived, PUBREL waits for the caller's Release
    public bool PublishedHere;  // QoS 2 PUBLISH written on the current connection, no PUBREC yet (the QoS 2 window's count)

    public OutgoingMessage? Prev;
    public OutgoingMessage? Next;
    public MessageList? Owner;

    public void Reset()
    {
        Topic = default;
        Payload = default;
        State = null;
        PacketId = FixedId = 0;
        Durable = ReleaseHeld = PublishedHere = false;
        Stage = OutgoingStage.Queued;
        SentBefore = NeedsSend = false;
        Prev = Next = null;
        Owner = null;
    }
}

/// <summary>An ordered intrusive list: O(1) append, remove and pop without allocating.</summary>
internal sealed class MessageList
{
    public OutgoingMessage? Head { get; private set; }
    public OutgoingMessage? Tail { get; private set; }
    public int Count { get; private set; }

    public void Append(OutgoingMessage m)
    {
        m.Owner = this;
        m.Prev = Tail;
        m.Next = null;
        if (Tail is null) Head = m; else Tail.Next = m;
        Tail = m;
        Count++;
    }

    public void Remove(OutgoingMessage m)
    {
        if (m.Prev is null) Head = m.Next; else m.Prev.Next = m.Next;
        if (m.Next is null) Tail = m.Prev; else m.Next.Prev = m.Prev;
        m.Prev = m.Next = null;
        m.Owner = null;
        Count--;
    }
}

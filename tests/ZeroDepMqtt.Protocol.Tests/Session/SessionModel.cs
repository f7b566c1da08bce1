using System.Reflection;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>What the generated script does next; <see cref="Arg"/> picks a QoS, an index, a flag or seconds.</summary>
public enum OpKind
{
    Publish,        // TryPublish at QoS Arg % 3
    Write,          // WriteOutgoing; the packets travel towards the broker
    Deliver,        // the broker processes the oldest packet in transit
    Answer,         // the broker sends one of its pending answers, picked by Arg (any order)
    Drop,           // a packet in transit is lost, picked by Arg
    Lose,           // the connection is lost: everything in transit both ways is gone
    ConnectionUp,   // a new connection; CONNECT is written
    ConnAck,        // CONNACK, Session Present = Arg odd
    Reconnect,      // Lose, ConnectionUp, ConnAck in one step
    Advance,        // the clock moves Arg % 16 seconds and the session ticks
    JumpIds,        // the id counter moves to Arg % 8 or to 65,535 - Arg % 8, as after long traffic
}

/// <summary>One step of a generated script.</summary>
public readonly record struct Op(OpKind Kind, int Arg)
{
    public override string ToString() => $"{Kind}({Arg})";
}

/// <summary>
/// The reference model: a broker that answers what it really received, plus the client-side facts a correct session
/// must respect. Every step runs the session and checks it against the model; any breach throws.
/// </summary>
internal sealed class SessionModel
{
    public const int Window = 4;
    public const int QueueLimit = 8;

    private readonly FakeBroker _b = new(FakeBroker.Options(maxInFlight: Window, maxQueued: QueueLimit, keepAlive: 10)
        with { PingTimeout = TimeSpan.FromSeconds(5), ConnAckTimeout = TimeSpan.FromSeconds(7) });

    // Broker side.
    private readonly List<Sent> _inTransit = new();                    // client → broker
    private readonly List<(PacketType Type, ushort Id)> _answers = new();  // broker → client, sent in any order
    private readonly HashSet<ushort> _brokerQos2 = new();               // PUBLISH QoS 2 received, PUBREL not yet
    private readonly Dictionary<int, int> _deliveredAtBroker = new();
    private bool _brokerLostSession;

    // Client side.
    private readonly Dictionary<int, QualityOfService> _accepted = new();
    private readonly Dictionary<int, int> _completed = new();
    private readonly Dictionary<ushort, int> _idToTag = new();          // QoS ≥ 1 PUBLISH written, not completed
    private readonly Dictionary<int, ushort> _tagToId = new();
    private readonly HashSet<int> _writtenThisSession = new();          // written since the broker last lost the session
    private readonly HashSet<int> _pubRecReceived = new();
    private int _nextTag;

    private ClientSession Session => _b.Session;

    // The id counter can be anywhere after enough traffic; moving it onto ids in flight and across the wrap is where
    // reuse bugs live. The session has no public seam for it, hence reflection on its private field.
    private static readonly FieldInfo IdCounter =
        typeof(ClientSession).GetField("_lastPacketId", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("ClientSession._lastPacketId was renamed");

    public SessionModel() => IdCounter.SetValue(Session, (ushort)(ushort.MaxValue - 3));

    public void Run(IEnumerable<Op> script)
    {
        foreach (var op in script)
        {
            Step(op);
            CheckInvariants(op);
        }
        Drain();
    }

    private void Step(Op op)
    {
        var state = Session.State;
        switch (op.Kind)
        {
            case OpKind.Publish:
                var qos = (QualityOfService)(op.Arg % 3);
                bool room = Session.QueuedCount < QueueLimit;
                int tag = _nextTag++;
                bool accepted = Session.TryPublish(FakeBroker.Topic, FakeBroker.PayloadOf(tag), qos, false, tag);
                Assert.Equal(room, accepted);
                if (accepted) _accepted[tag] = qos;
                NoCompletions();
                break;
            case OpKind.Write:
                Write();
                break;
            case OpKind.Deliver:
                if (_inTransit.Count > 0) { var p = _inTransit[0]; _inTransit.RemoveAt(0); BrokerReceives(p); }
                NoCompletions();
                break;
            case OpKind.Answer:
                if (state == SessionState.Connected && _answers.Count > 0) Answer(op.Arg % _answers.Count);
                else NoCompletions();
                break;
            case OpKind.Drop:
                if (_inTransit.Count > 0) _inTransit.RemoveAt(op.Arg % _inTransit.Count);
                break;
            case OpKind.Lose:
                Lose();
                break;
            case OpKind.ConnectionUp:
                if (state == SessionState.Disconnected) ConnectionUp();
                break;
            case OpKind.ConnAck:
                if (state == SessionState.Connecting) ConnAck(op.Arg % 2 == 1);
                break;
            case OpKind.Reconnect:
                Lose();
                ConnectionUp();
                ConnAck(op.Arg % 2 == 1);
                break;
            case OpKind.JumpIds:
                IdCounter.SetValue(Session, (ushort)(op.Arg % 2 == 0 ? op.Arg / 2 % 8 : ushort.MaxValue - op.Arg / 2 % 8));
                break;
            case OpKind.Advance:
                _b.Now += TimeSpan.FromSeconds(op.Arg % 16);
                if (Session.Tick(_b.Now) != SessionTimeout.None) Lose();
                NoCompletions();
                break;
        }
    }

    private void ConnectionUp()
    {
        Session.ConnectionUp(_b.Now);
        Assert.Equal(PacketType.Connect, Assert.Single(_b.Flush()).Type);
        Assert.Empty(_b.Flush());
    }

    private void ConnAck(bool sessionPresent)
    {
        if (!sessionPresent)
        {
            // The broker has no session: it forgets its QoS 2 state, and the client must start its flows afresh.
            _brokerQos2.Clear();
            _brokerLostSession = true;
            _writtenThisSession.Clear();
            _pubRecReceived.Clear();
        }
        _b.ConnAck(sessionPresent);
        Assert.Equal(SessionState.Connected, Session.State);
        var e = Assert.Single(_b.Events());
        Assert.Equal(SessionEventKind.Connected, e.Kind);
    }

    private void Lose()
    {
        Session.ConnectionLost();
        _inTransit.Clear();
        _answers.Clear();
        NoCompletions();
    }

    private void Write()
    {
        var connectedBefore = Session.State == SessionState.Connected;
        var sent = _b.Flush();
        if (!connectedBefore) Assert.Empty(sent);
        var qos0Written = new List<int>();
        foreach (var p in sent)
        {
            CheckWritten(p);
            if (p.Type == PacketType.Publish && p.QoS == QualityOfService.AtMostOnce) qos0Written.Add(p.Tag);
            _inTransit.Add(p);
        }
        // QoS 0 completes when written, and only then.
        var completed = Completions(_b.Events());
        Assert.Equal(qos0Written, completed);
    }

    private void CheckWritten(Sent p)
    {
        switch (p.Type)
        {
            case PacketType.Publish when p.QoS == QualityOfService.AtMostOnce:
                Assert.False(p.Dup);
                Assert.DoesNotContain(p.Tag, _writtenThisSession);
                _writtenThisSession.Add(p.Tag);
                break;
            case PacketType.Publish:
                int tag = p.Tag;
                Assert.Equal(_accepted[tag], p.QoS);
                Assert.NotEqual(0, p.PacketId);
                // MQTT-4.3.3-1: past PUBREC the PUBLISH is never sent again while the broker keeps the session.
                Assert.DoesNotContain(tag, _pubRecReceived);
                // MQTT-2.3.1-2: the id belongs to no other message in flight.
                if (_idToTag.TryGetValue(p.PacketId, out int owner)) Assert.Equal(owner, tag);
                if (_writtenThisSession.Contains(tag))
                {
                    // MQTT-3.3.1-1, MQTT-4.4.0-1: a re-send carries DUP and the original id.
                    Assert.True(p.Dup, $"re-send of {tag} without DUP");
                    Assert.Equal(_tagToId[tag], p.PacketId);
                }
                else
                {
                    Assert.False(p.Dup, $"first send of {tag} with DUP");
                    if (_tagToId.Remove(tag, out ushort old)) _idToTag.Remove(old);
                }
                _idToTag[p.PacketId] = tag;
                _tagToId[tag] = p.PacketId;
                _writtenThisSession.Add(tag);
                break;
            case PacketType.PubRel:
                // MQTT-2.3.1-6: PUBREL carries the id of a QoS 2 message whose PUBREC arrived.
                Assert.True(_idToTag.TryGetValue(p.PacketId, out int relTag), $"PUBREL {p.PacketId} for no message");
                Assert.Contains(relTag, _pubRecReceived);
                break;
            case PacketType.PingReq:
                break;
            default:
                Assert.Fail($"unexpected {p.Type}");
                break;
        }
    }

    private void BrokerReceives(Sent p)
    {
        switch (p.Type)
        {
            case PacketType.Publish when p.QoS == QualityOfService.AtMostOnce:
                Delivered(p.Tag);
                break;
            case PacketType.Publish when p.QoS == QualityOfService.AtLeastOnce:
                Delivered(p.Tag);
                _answers.Add((PacketType.PubAck, p.PacketId));
                break;
            case PacketType.Publish:
                if (_brokerQos2.Add(p.PacketId)) Delivered(p.Tag);
                _answers.Add((PacketType.PubRec, p.PacketId));
                break;
            case PacketType.PubRel:
                _brokerQos2.Remove(p.PacketId);
                _answers.Add((PacketType.PubComp, p.PacketId));
                break;
            case PacketType.PingReq:
                _answers.Add((PacketType.PingResp, 0));
                break;
        }
    }

    private void Delivered(int tag) => _deliveredAtBroker[tag] = _deliveredAtBroker.GetValueOrDefault(tag) + 1;

    private void Answer(int index)
    {
        var (type, id) = _answers[index];
        _answers.RemoveAt(index);
        int? expected = null;
        switch (type)
        {
            case PacketType.PubAck:
                expected = _idToTag.GetValueOrDefault(id, -1);
                _b.PubAck(id);
                break;
            case PacketType.PubRec:
                if (_idToTag.TryGetValue(id, out int recTag)) _pubRecReceived.Add(recTag);
                _b.PubRec(id);
                break;
            case PacketType.PubComp:
                expected = _idToTag.GetValueOrDefault(id, -1);
                _b.PubComp(id);
                break;
            case PacketType.PingResp:
                _b.PingResp();
                break;
        }
        var completed = Completions(_b.Events());
        if (expected is int t && t >= 0)
        {
            // MQTT-4.3.2-1 / MQTT-4.3.3-1: the final ack of a live id completes exactly that message.
            Assert.Equal([t], completed);
            _idToTag.Remove(id);
            _tagToId.Remove(t);
            _pubRecReceived.Remove(t);
        }
        else
        {
            Assert.Empty(completed);
        }
    }

    private void NoCompletions() => Assert.Empty(Completions(_b.Events()));

    /// <summary>Counts completions, failing on a second one for a message; returns their tags in order.</summary>
    private List<int> Completions(List<SessionEvent> events)
    {
        Assert.DoesNotContain(events, e => e.Kind is SessionEventKind.PublishFailed or SessionEventKind.ConnectionRefused);
        var tags = FakeBroker.Tags(events, SessionEventKind.PublishCompleted);
        foreach (int tag in tags)
        {
            Assert.True(_accepted.ContainsKey(tag), $"completion of {tag}, never accepted");
            _completed[tag] = _completed.GetValueOrDefault(tag) + 1;
            Assert.True(_completed[tag] == 1, $"publish {tag} completed twice");
        }
        return tags;
    }

    private void CheckInvariants(Op op)
    {
        Assert.True(Session.InFlightCount <= Window, $"{Session.InFlightCount} in flight after {op}");
        int open = _accepted.Keys.Count(t => !_completed.ContainsKey(t));
        Assert.Equal(open, Session.InFlightCount + Session.QueuedCount);
        Assert.Equal(_idToTag.Count, _tagToId.Count);
    }

    /// <summary>The broker comes back with the session and answers everything: every publish must then complete.</summary>
    private void Drain()
    {
        if (Session.State != SessionState.Disconnected) Lose();
        ConnectionUp();
        ConnAck(sessionPresent: true);
        for (int round = 0; round < 10_000; round++)
        {
            Write();
            while (_inTransit.Count > 0) { BrokerReceives(_inTransit[0]); _inTransit.RemoveAt(0); }
            while (_answers.Count > 0) Answer(0);
            CheckInvariants(new Op(OpKind.Write, round));
            if (Session.InFlightCount == 0 && Session.QueuedCount == 0 && !Session.HasOutgoing) break;
        }

        foreach (var (tag, qos) in _accepted)
        {
            Assert.True(_completed.GetValueOrDefault(tag) == 1, $"publish {tag} (QoS {(int)qos}) never completed");
            int delivered = _deliveredAtBroker.GetValueOrDefault(tag);
            if (qos == QualityOfService.AtMostOnce) Assert.True(delivered <= 1, $"QoS 0 {tag} delivered {delivered} times");
            else Assert.True(delivered >= 1, $"QoS {(int)qos} publish {tag} never reached the broker");
            if (qos == QualityOfService.ExactlyOnce && !_brokerLostSession)
                Assert.True(delivered == 1, $"QoS 2 publish {tag} delivered {delivered} times with a kept session");
        }
    }
}

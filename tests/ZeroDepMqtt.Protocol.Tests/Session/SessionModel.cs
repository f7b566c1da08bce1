using System.Reflection;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Oracles;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>What the generated script does next; <see cref="Arg"/> picks a QoS, an index, a flag or seconds.</summary>
public enum OpKind
{
    Publish,        // TryPublish at QoS Arg % 3
    Write,          // WriteOutgoing (Arg % 3 != 0: with a PUBLISH budget of Arg % 40 bytes); the packets travel towards the broker
    Deliver,        // the broker processes the oldest packet in transit
    Answer,         // the broker sends one of its pending answers, picked by Arg (any order)
    Drop,           // a packet in transit is lost, picked by Arg
    Lose,           // the connection is lost: everything in transit both ways is gone; Arg odd: the broker closed it
    ConnectionUp,   // a new connection; CONNECT is written
    ConnAck,        // CONNACK, Session Present = Arg odd
    Reconnect,      // Lose (by the broker when Arg % 4 >= 2), ConnectionUp, ConnAck in one step
    Advance,        // the clock moves Arg % 16 seconds and the session ticks
    JumpIds,        // the id counter moves to Arg % 8 or to 65,535 - Arg % 8, as after long traffic
}

/// <summary>One step of a generated script.</summary>
public readonly record struct Op(OpKind Kind, int Arg)
{
    public override string ToString() => $"{Kind}({Arg})";
}

/// <summary>
/// The reference model: a broker that answers what it really received, around the shared <see cref="SessionOracle"/>
/// (the client-side facts a correct session must respect, also the fuzz harness's oracle). Every step runs the session
/// and checks it against both; any breach throws.
/// </summary>
internal sealed class SessionModel
{
    public const int Window = 4;
    public const int QueueLimit = 8;

    private readonly FakeBroker _b = new(FakeBroker.Options(maxInFlight: Window, maxQueued: QueueLimit, keepAlive: 10)
        with { PingTimeout = TimeSpan.FromSeconds(5), ConnAckTimeout = TimeSpan.FromSeconds(7) });

    // The broker's own QoS 2 limit, as Mosquitto's max_inflight_messages after 2.0.11: it closes the connection on a
    // QoS 2 PUBLISH of a new id while it holds this many flows. Null: no limit.
    private readonly int? _qos2Limit;
    private int _limitCloses;
    private readonly SessionOracle _oracle = new(what => Assert.Fail(what));

    // Broker side.
    private readonly List<Sent> _inTransit = new();                    // client → broker
    private readonly List<(PacketType Type, ushort Id)> _answers = new();  // broker → client, sent in any order
    private readonly HashSet<ushort> _brokerQos2 = new();               // PUBLISH QoS 2 received, PUBREL not yet
    private readonly Dictionary<int, int> _deliveredAtBroker = new();
    private bool _brokerLostSession;
    private int _nextTag;

    private ClientSession Session => _b.Session;

    // The id counter can be anywhere after enough traffic; moving it onto ids in flight and across the wrap is where
    // reuse bugs live. The session has no public seam for it, hence reflection on its private field.
    private static readonly FieldInfo IdCounter =
        typeof(ClientSession).GetField("_lastPacketId", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("ClientSession._lastPacketId was renamed");

    public SessionModel(int? qos2Limit = null)
    {
        _qos2Limit = qos2Limit;
        IdCounter.SetValue(Session, (ushort)(ushort.MaxValue - 3));
    }

    public void Run(IEnumerable<Op> script)
    {
        foreach (var op in script)
        {
            Step(op);
            Events();
            Assert.True(Session.InFlightCount <= Window, $"{Session.InFlightCount} in flight after {op}");
            Assert.InRange(Session.QoS2Window, 1, Window);
            _oracle.Check(Session);
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
                if (accepted) _oracle.Accepted(tag, qos);
                break;
            case OpKind.Write:
                Write(op.Arg % 3 == 0 ? null : op.Arg % 40);
                break;
            case OpKind.Deliver:
                if (_inTransit.Count > 0) { var p = _inTransit[0]; _inTransit.RemoveAt(0); BrokerReceives(p); }
                break;
            case OpKind.Answer:
                if (state == SessionState.Connected && _answers.Count > 0) Answer(op.Arg % _answers.Count);
                break;
            case OpKind.Drop:
                // TCP loses only the tail of a connection (Lose), never a packet in the middle; with a broker limit the
                // client relies on that (a broker then holds a prefix of what it was sent), so limited runs skip this.
                if (_inTransit.Count > 0 && _qos2Limit is null) _inTransit.RemoveAt(op.Arg % _inTransit.Count);
                break;
            case OpKind.Lose:
                Lose(byBroker: op.Arg % 2 == 1);
                break;
            case OpKind.ConnectionUp:
                if (state == SessionState.Disconnected) ConnectionUp();
                break;
            case OpKind.ConnAck:
                if (state == SessionState.Connecting) ConnAck(op.Arg % 2 == 1);
                break;
            case OpKind.Reconnect:
                Lose(byBroker: op.Arg % 4 >= 2);
                ConnectionUp();
                ConnAck(op.Arg % 2 == 1);
                break;
            case OpKind.JumpIds:
                IdCounter.SetValue(Session, (ushort)(op.Arg % 2 == 0 ? op.Arg / 2 % 8 : ushort.MaxValue - op.Arg / 2 % 8));
                break;
            case OpKind.Advance:
                _b.Now += TimeSpan.FromSeconds(op.Arg % 16);
                if (Session.Tick(_b.Now) != SessionTimeout.None) Lose(byBroker: false);
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
        Events();
        if (!sessionPresent)
        {
            // The broker has no session: it forgets its QoS 2 state, and the client must start its flows afresh.
            _brokerQos2.Clear();
            _brokerLostSession = true;
        }
        _b.ConnAck(sessionPresent);
        Assert.Equal(SessionState.Connected, Session.State);
        _oracle.ConnAckAccepted(sessionKept: sessionPresent); // CleanSession 0, MQTT 3.1.1
        var e = Assert.Single(_b.Events());
        Assert.Equal(SessionEventKind.Connected, e.Kind);
    }

    private void Lose(bool byBroker)
    {
        Session.ConnectionLost(closedByBroker: byBroker);
        _oracle.ConnectionLost();
        _inTransit.Clear();
        _answers.Clear();
    }

    private void Write(long? publishBytes = null)
    {
        var connectedBefore = Session.State == SessionState.Connected;
        bool due = Session.HasOutgoing;
        var sent = _b.Flush(publishBytes);
        if (!connectedBefore) Assert.Empty(sent);
        // Something due is always written, budget or not: a budget splits a burst, it never stalls one.
        if (due) Assert.NotEmpty(sent);
        if (publishBytes is long budget)
        {
            // Every PUBLISH but the last fits the budget: a write stops at the first one that finds it spent.
            var lengths = sent.Where(p => p.Type == PacketType.Publish).Select(FakeBroker.EncodedLength).ToList();
            Assert.True(lengths.Count <= 1 || lengths.Take(lengths.Count - 1).Sum() < Math.Max(1, budget),
                $"{lengths.Count} publishes of {lengths.Sum()} bytes in one write with a budget of {budget}");
        }
        foreach (var p in sent)
        {
            switch (p.Type)
            {
                case PacketType.Publish: _oracle.PublishWritten(p.Tag, p.QoS, p.PacketId, p.Dup); break;
                case PacketType.PubRel: _oracle.PubRelWritten(p.PacketId); break;
                case PacketType.PingReq: break;
                default: Assert.Fail($"unexpected {p.Type}"); break;
            }
            _inTransit.Add(p);
        }
        _oracle.Flushed();
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
                if (_qos2Limit is int limit && !_brokerQos2.Contains(p.PacketId) && _brokerQos2.Count >= limit)
                {
                    _limitCloses++;
                    Lose(byBroker: true);   // over the limit: closed, the rest in transit is gone
                    return;
                }
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
        switch (type)
        {
            case PacketType.PubAck: _b.PubAck(id); _oracle.PubAckAccepted(id); break;
            case PacketType.PubRec: _b.PubRec(id); _oracle.PubRecAccepted(id); break;
            case PacketType.PubComp: _b.PubComp(id); _oracle.PubCompAccepted(id); break;
            case PacketType.PingResp: _b.PingResp(); break;
        }
    }

    /// <summary>Hands the session's events to the oracle; nothing here may fail or be refused.</summary>
    private void Events()
    {
        foreach (var e in _b.Events())
        {
            Assert.False(e.Kind is SessionEventKind.ConnectionRefused, "a CONNACK was refused");
            _oracle.Ended((int)e.State!, e.Kind, failAllStep: false);
        }
    }

    /// <summary>The broker comes back with the session and answers everything: every publish must then complete.</summary>
    private void Drain()
    {
        if (Session.State != SessionState.Disconnected) Lose(byBroker: false);
        int closesBefore = _limitCloses;
        ConnectionUp();
        ConnAck(sessionPresent: true);
        for (int round = 0; round < 10_000; round++)
        {
            if (Session.State == SessionState.Disconnected)
            {
                // The broker closed over its limit: reconnect with the session. Two closes in a row halve the window,
                // so from 4 the client needs at most 2 + 2 to reach 1, plus a strike left from the script.
                Assert.True(_limitCloses - closesBefore <= 5, $"{_limitCloses - closesBefore} closes over the broker's QoS 2 limit in the drain, window {Session.QoS2Window}");
                ConnectionUp();
                ConnAck(sessionPresent: true);
            }
            Write();
            while (_inTransit.Count > 0) { var p = _inTransit[0]; _inTransit.RemoveAt(0); BrokerReceives(p); }
            while (_answers.Count > 0) Answer(0);
            Events();
            _oracle.Check(Session);
            if (Session.State == SessionState.Connected && Session.InFlightCount == 0 && Session.QueuedCount == 0 && !Session.HasOutgoing) break;
        }
        _oracle.Finish(Session);

        foreach (var (tag, m) in _oracle.Messages)
        {
            int delivered = _deliveredAtBroker.GetValueOrDefault(tag);
            if (m.QoS == QualityOfService.AtMostOnce) Assert.True(delivered <= 1, $"QoS 0 {tag} delivered {delivered} times");
            else Assert.True(delivered >= 1, $"QoS {(int)m.QoS} publish {tag} never reached the broker");
            if (m.QoS == QualityOfService.ExactlyOnce && !_brokerLostSession)
                Assert.True(delivered == 1, $"QoS 2 publish {tag} delivered {delivered} times with a kept session");
        }
    }
}

using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>What a generated durable-QoS 2 script does next.</summary>
public enum DurableOpKind
{
    Publish,    // a new message: recorded durably, then TryPublishDurable with the id its number gives
    Write,      // WriteOutgoing; the packets travel towards the broker
    Deliver,    // the broker processes the oldest packet in transit
    Answer,     // the broker sends one of its pending answers, picked by Arg (any order)
    Sync,       // the store's group commit: PUBREC and completion records become durable, then Release
    Reconnect,  // the connection drops and comes back; the broker kept the session
    Crash,      // the process dies: the first Arg % (n + 1) packets in transit still reach the broker, the rest and
                // everything not yet synced is lost; a new process restores from the store and reconnects
}

/// <summary>One step of a generated script.</summary>
public readonly record struct DurableOp(DurableOpKind Kind, int Arg)
{
    public override string ToString() => $"{Kind}({Arg})";
}

/// <summary>
/// A process that keeps QoS 2 state in a durable store the way the disk cache does (ids from the message's number,
/// an id reused only once its last message's completion is durable, PUBREC recorded before Release, completions
/// recorded lazily), killed at any step and restored from what the store
/// synced, against a broker that keeps the session and delivers a QoS 2 message when it first receives its id. Every
/// message must reach subscribers exactly once, and the broker must never get an id it holds for another message.
/// </summary>
internal sealed class DurableQoS2Model
{
    public const int Window = 4;
    private const int IdSpace = 6;   // ids repeat every 6 messages: reuse while the broker holds an id is reachable

    // The store: what survives a crash.
    private readonly List<int> _stored = new();                  // every message, in order
    private readonly HashSet<int> _receivedDurable = new();      // PUBREC recorded
    private readonly HashSet<int> _completedDurable = new();     // completion recorded
    private readonly List<int> _receivedUnsynced = new();
    private readonly List<int> _completedUnsynced = new();

    // The broker.
    private readonly Dictionary<ushort, int> _brokerHeld = new();      // id → message: PUBLISH received, PUBREL not yet
    private readonly Dictionary<int, int> _delivered = new();
    private readonly List<Sent> _inTransit = new();
    private readonly List<(PacketType Type, ushort Id)> _answers = new();

    private readonly HashSet<int> _completed = new();                   // completion events (this process or earlier)
    private readonly Queue<(int Tag, bool Resend)> _forwarder = new();   // stored, not yet handed to the session
    private FakeBroker _b = NewProcess();
    private int _next;

    private static FakeBroker NewProcess() => new(FakeBroker.Options(maxInFlight: Window, maxQueued: 1000));

    public static ushort IdOf(int tag) => (ushort)(tag % IdSpace + 1);

    public void Run(IEnumerable<DurableOp> script)
    {
        Connect();
        foreach (var op in script) Step(op);
        Drain();
    }

    private void Step(DurableOp op)
    {
        switch (op.Kind)
        {
            case DurableOpKind.Publish:
                int tag = _next++;
                _stored.Add(tag);
                _forwarder.Enqueue((tag, false));
                break;
            case DurableOpKind.Write:
                Write();
                break;
            case DurableOpKind.Deliver:
                if (_inTransit.Count > 0) { var p = _inTransit[0]; _inTransit.RemoveAt(0); BrokerReceives(p); }
                break;
            case DurableOpKind.Answer:
                if (_b.Session.State == SessionState.Connected && _answers.Count > 0) Answer(op.Arg % _answers.Count);
                break;
            case DurableOpKind.Sync:
                Sync();
                break;
            case DurableOpKind.Reconnect:
                _b.Session.ConnectionLost();
                _inTransit.Clear();
                _answers.Clear();
                Connect();
                break;
            case DurableOpKind.Crash:
                Crash(op.Arg);
                break;
        }
        TakeEvents();
        Forward();
    }

    // The store hands a message to the session only once the last message with its id is durably complete: else a
    // crash would restore that one and its PUBREL would release the new message's flow at the broker (found by this
    // model: the re-sent new message was then delivered twice).
    private void Forward()
    {
        while (_forwarder.TryPeek(out var next) && (next.Tag < IdSpace || _completedDurable.Contains(next.Tag - IdSpace)))
        {
            _forwarder.Dequeue();
            Assert.True(_b.Session.TryPublishDurable(FakeBroker.Topic, FakeBroker.PayloadOf(next.Tag), false, next.Tag, IdOf(next.Tag), next.Resend));
        }
    }

    private void Connect()
    {
        _b.Session.ConnectionUp(_b.Now);
        Assert.Equal(PacketType.Connect, Assert.Single(_b.Flush()).Type);
        _b.ConnAck(sessionPresent: true);
    }

    private void Crash(int arg)
    {
        int reach = arg % (_inTransit.Count + 1);
        for (int i = 0; i < reach; i++) BrokerReceives(_inTransit[i]);
        _inTransit.Clear();
        _answers.Clear();
        _receivedUnsynced.Clear();
        _completedUnsynced.Clear();
        // The new process: what the store says is received is restored (PUBREL is re-sent), the rest is published
        // again in order with its id and DUP (it may have been sent).
        _b = NewProcess();
        var pending = _stored.Where(t => !_completedDurable.Contains(t)).ToList();
        foreach (int t in pending)
            if (_receivedDurable.Contains(t)) _b.Session.Restore(FakeBroker.Topic, FakeBroker.PayloadOf(t), false, t, IdOf(t), received: true);
        _forwarder.Clear();
        foreach (int t in pending)
            if (!_receivedDurable.Contains(t)) _forwarder.Enqueue((t, true));
        Connect();
    }

    private void Sync()
    {
        foreach (int t in _completedUnsynced) _completedDurable.Add(t);
        _completedUnsynced.Clear();
        var received = _receivedUnsynced.ToList();
        _receivedUnsynced.Clear();
        foreach (int t in received)
        {
            _receivedDurable.Add(t);
            _b.Session.Release(IdOf(t));
        }
    }

    private void Write()
    {
        foreach (var p in _b.Flush())
        {
            if (p.Type == PacketType.PubRel)
            {
                // The step this design exists for: PUBREL only after the PUBREC is durable.
                Assert.True(_stored.Any(t => !_completedDurable.Contains(t) && IdOf(t) == p.PacketId && _receivedDurable.Contains(t)),
                    $"PUBREL {p.PacketId} before its PUBREC was recorded");
            }
            _inTransit.Add(p);
        }
    }

    private void BrokerReceives(Sent p)
    {
        switch (p.Type)
        {
            case PacketType.Publish:
                Assert.Equal(QualityOfService.ExactlyOnce, p.QoS);
                Assert.Equal(IdOf(p.Tag), p.PacketId);
                if (_brokerHeld.TryGetValue(p.PacketId, out int held))
                    Assert.True(held == p.Tag, $"id {p.PacketId} sent for message {p.Tag} while the broker holds it for {held}: {p.Tag} would be lost");
                else
                {
                    _brokerHeld[p.PacketId] = p.Tag;
                    _delivered[p.Tag] = _delivered.GetValueOrDefault(p.Tag) + 1;
                }
                _answers.Add((PacketType.PubRec, p.PacketId));
                break;
            case PacketType.PubRel:
                _brokerHeld.Remove(p.PacketId);
                _answers.Add((PacketType.PubComp, p.PacketId));
                break;
        }
    }

    private void Answer(int index)
    {
        var (type, id) = _answers[index];
        _answers.RemoveAt(index);
        if (type == PacketType.PubRec) _b.PubRec(id);
        else _b.PubComp(id);
    }

    private void TakeEvents()
    {
        foreach (var e in _b.Events())
        {
            switch (e.Kind)
            {
                case SessionEventKind.PublishReceived:
                    Assert.Equal(IdOf((int)e.State!), e.PacketId);
                    _receivedUnsynced.Add((int)e.State!);
                    break;
                case SessionEventKind.PublishCompleted:
                    int tag = (int)e.State!;
                    Assert.True(_completed.Add(tag) || !_completedDurable.Contains(tag), $"message {tag} completed again after its completion was recorded");
                    _completedUnsynced.Add(tag);
                    break;
                case SessionEventKind.Connected:
                    break;
                default:
                    Assert.Fail($"unexpected event {e.Kind}");
                    break;
            }
        }
    }

    private void Drain()
    {
        for (int round = 0; round < 10_000; round++)
        {
            Write();
            while (_inTransit.Count > 0) { BrokerReceives(_inTransit[0]); _inTransit.RemoveAt(0); }
            TakeEvents();
            while (_answers.Count > 0) { Answer(0); TakeEvents(); }
            Sync();
            Forward();
            if (_stored.All(_completedDurable.Contains)) break;
        }
        foreach (int t in _stored)
        {
            Assert.True(_completedDurable.Contains(t), $"message {t} never completed");
            Assert.True(_delivered.GetValueOrDefault(t) == 1, $"message {t} delivered {_delivered.GetValueOrDefault(t)} times");
        }
    }
}

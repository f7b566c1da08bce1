using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;
using ZeroDepMqtt.Oracles;

namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>
/// Harness 2: the input is a script (two option bytes, then <see cref="SessionOp"/> events) that drives a
/// <see cref="ClientSession"/> while this class plays the broker and reads every byte the session writes.
/// The publishes are checked by the shared <see cref="SessionOracle"/> (the FsCheck model test drives it too): ids
/// unique and kept across re-sends, DUP as MQTT-3.3.1-1 wants it, no PUBLISH again after PUBREC on a kept session
/// (MQTT-4.3.3-1), PUBREL only where one may be due, windows and counts, each publish ending once and only for a
/// reason, QoS 2 delivered once until PUBREL. This class adds the requests (ids unique among publishes and requests,
/// ending once, for a reason), CONNECT alone and first, nothing after DISCONNECT, and well-formed bytes.
/// The script always ends with a reconnect with Session Present 1 and a broker that acknowledges everything:
/// then every accepted publish and request must have ended exactly once. <see cref="MqttProtocolException"/>
/// from Receive drops the connection and the script goes on; any other exception escapes and is a crash.
/// </summary>
internal sealed class SessionHarness
{
    private sealed class Request
    {
        public required int N;
        public required bool IsSubscribe;
        public required int Filters;
        public ushort Id;
        public bool Sent;
        public bool Acked;
        public int Ends;
    }

    private static readonly TopicName Topic = TopicName.Create("fuzz/t");

    private readonly ByteScript _script;
    private readonly ClientSession _session;
    private readonly ClientSessionOptions _options;
    private readonly ArrayBufferWriter<byte> _out = new(1024);
    private readonly SessionOracle _oracle;
    private readonly List<Request> _requests = new();
    private readonly SortedSet<ushort> _released = new();             // ids the client sent PUBREL for
    private int _accepted;
    private readonly List<byte[]> _replies = new();   // what a well-behaved broker answers to the last Flush
    private TimeSpan _now = TimeSpan.FromSeconds(1000);
    private bool _connectWritten, _connAccepted, _disconnectWritten;
    private bool _failAllStep, _lostStep;
    private string _step = "options";

    private SessionHarness(byte[] input)
    {
        _script = new ByteScript(input);
        byte a = _script.Next(), b = _script.Next();
        _options = new ClientSessionOptions
        {
            ClientId = "fuzz",
            Version = (a & 1) == 0 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V310,
            CleanSession = (a & 2) != 0,
            MaxInFlight = 1 + ((a >> 2) & 7),
            MaxInFlightQoS2 = 1 + ((a >> 5) & 3),
            KeepAliveSeconds = (a & 0x80) != 0 ? (ushort)5 : (ushort)0,
            PingTimeout = TimeSpan.FromSeconds(3),
            ConnAckTimeout = TimeSpan.FromSeconds(4),
            MaxQueuedMessages = 1 + (b & 15),
            MaxQueuedBytes = 16 + (b >> 4) * 16,
        };
        _session = new ClientSession(_options);
        _oracle = new SessionOracle(Fail);
    }

    public static void Run(ReadOnlySpan<byte> input) => new SessionHarness(input.ToArray()).Execute();

    private void Execute()
    {
        for (int i = 0; !_script.AtEnd; i++)
        {
            var op = (SessionOp)(_script.Next() % (byte)(SessionOp.Reconnect + 1));
            _step = $"step {i} {op}";
            Do(op);
            Check();
        }
        Finish();
    }

    private void Do(SessionOp op)
    {
        switch (op)
        {
            case SessionOp.Publish: PublishOp(_script.Next()); break;
            case SessionOp.Flush: Flush(); break;
            case SessionOp.Ack: Ack(_script.Next(), _script.Next()); break;
            case SessionOp.Raw: Deliver(_script.Take(_script.Next() % 48), mustAccept: false); break;
            case SessionOp.Time: Advance(_script.Next()); break;
            case SessionOp.Lost: Lose(); break;
            case SessionOp.Up: Up(); break;
            case SessionOp.ConnAck:
                byte c = _script.Next();
                Deliver([0x20, 2, (byte)(c & 1), (byte)((c >> 1) & 7)], mustAccept: false);
                break;
            case SessionOp.FailAll:
                _failAllStep = true;
                _session.FailAll();
                break;
            case SessionOp.Subscribe: AddRequest(subscribe: true, _script.Next()); break;
            case SessionOp.Unsubscribe: AddRequest(subscribe: false, _script.Next()); break;
            case SessionOp.Answer: Answer(_script.Next()); break;
            case SessionOp.Disconnect: _session.RequestDisconnect(); break;
            case SessionOp.Reconnect:
                Up();
                Deliver([0x20, 2, (byte)(_script.Next() & 1), 0], mustAccept: true);
                break;
        }
    }

    private void PublishOp(byte arg)
    {
        var qos = (arg & 3) == 3 ? QualityOfService.AtMostOnce : (QualityOfService)(arg & 3);
        var payload = new byte[4 + (arg >> 3)];
        int n = _accepted;
        BinaryPrimitives.WriteInt32LittleEndian(payload, n);
        bool can = _session.CanAccept(payload.Length);
        bool accepted = _session.TryPublish(Topic, payload, qos, (arg & 4) != 0, n);
        if (can != accepted) Fail($"CanAccept said {can} but TryPublish returned {accepted}");
        if (accepted) { _oracle.Accepted(n, qos); _accepted++; }
    }

    private void AddRequest(bool subscribe, byte arg)
    {
        int n = _requests.Count;
        int count = 1 + arg % 3;
        string[] filters = ["r/" + n, "r/" + n + "/+", "r/" + n + "/#"];
        bool ok = subscribe
            ? _session.TrySubscribe(filters.Take(count).Select(f => new Subscription(f, (QualityOfService)((arg >> 2) % 3))).ToList(), n)
            : _session.TryUnsubscribe(filters.Take(count).ToList(), n);
        if (ok) _requests.Add(new Request { N = n, IsSubscribe = subscribe, Filters = count });
    }

    private void Advance(byte arg)
    {
        _now += TimeSpan.FromMilliseconds(250 * arg);
        var deadline = _session.NextDeadline;
        var timeout = _session.Tick(_now);
        if (timeout == SessionTimeout.None) return;
        if (deadline is not { } d || d > _now) Fail($"Tick reported {timeout} before NextDeadline {deadline} at {_now}");
        Lose();
    }

    private void Lose()
    {
        _lostStep = true;
        _session.ConnectionLost();
        _oracle.ConnectionLost();
        _connectWritten = _connAccepted = _disconnectWritten = false;
    }

    private void Up()
    {
        if (_session.State != SessionState.Disconnected) Lose();
        _session.ConnectionUp(_now);
        _connectWritten = _connAccepted = _disconnectWritten = false;
        Flush();
        if (!_connectWritten) Fail("ConnectionUp then WriteOutgoing wrote no CONNECT");
    }

    /// <summary>The broker acknowledges one id the client has in flight (or released), with the right or a wrong ack.</summary>
    private void Ack(byte which, byte kind)
    {
        var ids = new SortedSet<ushort>(_oracle.InFlightIds);
        ids.UnionWith(_released);
        foreach (var r in _requests) if (r.Sent && r.Ends == 0) ids.Add(r.Id);
        ushort id = ids.Count == 0 ? (ushort)(which + 1) : ids.ElementAt(which % ids.Count);
        byte first = (kind % 5) switch
        {
            0 => RightAck(id),
            1 => 0x40,
            2 => 0x50,
            3 => 0x70,
            _ => 0x62,
        };
        if (first == 0x90) { Answer(id, right: true); return; }
        Deliver([first, 2, (byte)(id >> 8), (byte)id], mustAccept: false);
    }

    private byte RightAck(ushort id)
    {
        if (_oracle.InFlight(id) is { } m)
            return m.QoS == QualityOfService.AtLeastOnce ? (byte)0x40 : m.PubRecAccepted ? (byte)0x70 : (byte)0x50;
        var r = _requests.FirstOrDefault(r => r.Sent && r.Ends == 0 && r.Id == id);
        if (r is not null) return r.IsSubscribe ? (byte)0x90 : (byte)0xB0;
        return 0x70;   // released: PUBCOMP
    }

    private void Answer(byte arg)
    {
        var sent = _requests.Where(r => r.Sent && r.Ends == 0).ToList();
        if (arg % 4 == 0 || sent.Count == 0)
        {
            Deliver([0xD0, 0], mustAccept: false);
            return;
        }
        Answer(sent[(arg >> 3) % sent.Count].Id, right: (arg & 4) == 0);
    }

    private void Answer(ushort id, bool right)
    {
        var r = _requests.First(r => r.Sent && r.Ends == 0 && r.Id == id);
        if (!r.IsSubscribe)
        {
            Deliver([0xB0, 2, (byte)(id >> 8), (byte)id], mustAccept: false);
            return;
        }
        int codes = right ? r.Filters : r.Filters + 1;
        var bytes = new byte[4 + codes];
        bytes[0] = 0x90;
        bytes[1] = (byte)(2 + codes);
        bytes[2] = (byte)(id >> 8);
        bytes[3] = (byte)id;
        Deliver(bytes, mustAccept: false);
    }

    /// <summary>WriteOutgoing, then read every packet written as the broker.</summary>
    private void Flush()
    {
        bool had = _session.HasOutgoing;
        _replies.Clear();
        _out.ResetWrittenCount();
        int written = _session.WriteOutgoing(_out, _now);
        if (!had && written > 0) Fail($"WriteOutgoing wrote {written} packet(s) although HasOutgoing was false");
        if (_session.HasOutgoing) Fail("HasOutgoing is still true after WriteOutgoing");
        var buffer = new ReadOnlySequence<byte>(_out.WrittenMemory);
        int frames = 0;
        try
        {
            while (MqttFrameReader.TryRead(ref buffer, int.MaxValue, out var frame))
            {
                frames++;
                OnClientPacket(frame);
            }
        }
        catch (MqttProtocolException e)
        {
            Fail($"the client wrote bytes the decoder rejects: {PacketText.Error(e)}: {PacketText.Hex(_out.WrittenSpan)}");
        }
        if (!buffer.IsEmpty) Fail($"the client wrote a partial packet: {PacketText.Hex(_out.WrittenSpan)}");
        if (frames != written) Fail($"WriteOutgoing returned {written} but wrote {frames} packet(s)");
        _oracle.Flushed();
    }

    private void OnClientPacket(in MqttFrame frame)
    {
        var version = _options.Version;
        var type = frame.Type;
        if (_disconnectWritten) Fail($"{type} written after DISCONNECT (MQTT-3.14.4-2)");
        if (type == PacketType.Connect)
        {
            if (_connectWritten) Fail("a second CONNECT on one connection (MQTT-3.1.0-2)");
            _connectWritten = true;
            var c = Connect.Read(frame);
            if (c.Version != version || c.CleanSession != _options.CleanSession) Fail("CONNECT does not carry the options");
            return;
        }
        if (!_connectWritten) Fail($"{type} written before CONNECT (MQTT-3.1.0-1)");
        if (!_connAccepted) Fail($"{type} written before CONNACK");
        switch (type)
        {
            case PacketType.Publish:
                OnClientPublish(Protocol.Packets.Publish.Read(frame, version));
                break;
            case PacketType.PubRel:
            {
                ushort id = PubRel.Read(frame, version).PacketId;
                _oracle.PubRelWritten(id);
                _released.Add(id);
                _replies.Add([0x70, 2, (byte)(id >> 8), (byte)id]);
                break;
            }
            case PacketType.PubAck: PubAck.Read(frame, version); break;
            case PacketType.PubRec:
            {
                ushort id = PubRec.Read(frame, version).PacketId;
                _replies.Add([0x62, 2, (byte)(id >> 8), (byte)id]);
                break;
            }
            case PacketType.PubComp: PubComp.Read(frame, version); break;
            case PacketType.Subscribe:
            {
                var s = Protocol.Packets.Subscribe.Read(frame, version);
                OnClientRequest(s.PacketId, s.Subscriptions[0].Filter, s.Subscriptions.Count, subscribe: true);
                var ack = new byte[4 + s.Subscriptions.Count];
                ack[0] = 0x90;
                ack[1] = (byte)(2 + s.Subscriptions.Count);
                ack[2] = (byte)(s.PacketId >> 8);
                ack[3] = (byte)s.PacketId;
                _replies.Add(ack);
                break;
            }
            case PacketType.Unsubscribe:
            {
                var u = Protocol.Packets.Unsubscribe.Read(frame, version);
                OnClientRequest(u.PacketId, u.Filters[0], u.Filters.Count, subscribe: false);
                _replies.Add([0xB0, 2, (byte)(u.PacketId >> 8), (byte)u.PacketId]);
                break;
            }
            case PacketType.PingReq:
                PingReq.Read(frame, version);
                _replies.Add([0xD0, 0]);
                break;
            case PacketType.Disconnect:
                Protocol.Packets.Disconnect.Read(frame, version);
                _disconnectWritten = true;
                break;
            default:
                Fail($"a client never writes {MqttFrameReader.Name(type)}");
                break;
        }
    }

    private void OnClientPublish(in Publish p)
    {
        if (p.Payload.Length < 4) Fail("PUBLISH payload lost its tag");
        Span<byte> tag = stackalloc byte[4];
        p.Payload.Slice(0, 4).CopyTo(tag);
        int n = BinaryPrimitives.ReadInt32LittleEndian(tag);
        if (p.Topic != Topic) Fail($"message {n} written with another topic");
        ushort id = p.PacketId;
        if (p.QoS != QualityOfService.AtMostOnce && _requests.Any(r => r.Sent && r.Ends == 0 && r.Id == id)) Fail($"id {id} in use by a request and message {n}");
        _oracle.PublishWritten(n, p.QoS, id, p.Dup);
        if (p.QoS != QualityOfService.AtMostOnce)
            _replies.Add([p.QoS == QualityOfService.AtLeastOnce ? (byte)0x40 : (byte)0x50, 2, (byte)(id >> 8), (byte)id]);
    }

    private void OnClientRequest(ushort id, string firstFilter, int count, bool subscribe)
    {
        int n = int.Parse(firstFilter.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture);
        var r = _requests[n];
        if (r.Ends > 0) Fail($"request {n} written after it ended");
        if (r.Sent) Fail($"request {n} written twice");
        if (r.IsSubscribe != subscribe || r.Filters != count) Fail($"request {n} written as another request");
        if (_oracle.HoldsId(id)) Fail($"request {n} uses id {id}, in flight for a publish");
        if (_requests.Any(o => o != r && o.Sent && o.Ends == 0 && o.Id == id)) Fail($"request {n} uses id {id}, in use by another request");
        r.Sent = true;
        r.Id = id;
    }

    /// <summary>Feeds broker bytes to the session, frame by frame, noting which acks must complete something.</summary>
    private void Deliver(byte[] bytes, bool mustAccept)
    {
        if (_session.State == SessionState.Disconnected) return;
        var buffer = new ReadOnlySequence<byte>(bytes);
        try
        {
            while (_session.State != SessionState.Disconnected
                   && MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame))
            {
                var before = _session.State;
                bool delivered = _session.Receive(frame, _now, out _);
                Accepted(frame, before, delivered);
            }
        }
        catch (MqttProtocolException e)
        {
            if (mustAccept) Fail($"a well-behaved broker's packet was refused: {e.Message}");
            Lose();
        }
    }

    /// <summary>Receive took <paramref name="frame"/>: tell the oracle, which checks that a wrong ack was not taken.</summary>
    private void Accepted(in MqttFrame frame, SessionState before, bool delivered)
    {
        var version = _options.Version;
        switch (frame.Type)
        {
            case PacketType.Publish:
                var p = Protocol.Packets.Publish.Read(frame, version);
                if (delivered != _oracle.InboundPublish(p.QoS, p.PacketId, p.Dup)) Fail($"Receive returned {delivered} for {PacketText.Hex(frame.Body.ToArray())}");
                return;
            case PacketType.PubRel: _oracle.InboundPubRel(PubRel.Read(frame, version).PacketId); break;
            case PacketType.ConnAck:
                if (before != SessionState.Connecting) Fail("a CONNACK was accepted outside Connecting");
                var ack = ConnAck.Read(frame, version);
                if (_session.State != SessionState.Connected) break;   // refused: the session dropped the connection
                _connAccepted = true;
                _oracle.ConnAckAccepted(!_options.CleanSession && (version == MqttProtocolVersion.V310 || ack.SessionPresent));
                break;
            case PacketType.PubAck: _oracle.PubAckAccepted(PubAck.Read(frame, version).PacketId); break;
            case PacketType.PubRec: _oracle.PubRecAccepted(PubRec.Read(frame, version).PacketId); break;
            case PacketType.PubComp: _oracle.PubCompAccepted(PubComp.Read(frame, version).PacketId); break;
            case PacketType.SubAck:
            {
                var s = SubAck.Read(frame, version);
                var r = _requests.FirstOrDefault(r => r.Sent && r.Ends == 0 && r.Id == s.PacketId && r.IsSubscribe);
                if (r is null) break;
                if (s.ReturnCodes.Length != r.Filters) Fail($"SUBACK with {s.ReturnCodes.Length} codes accepted for {r.Filters} filters (MQTT-3.9.3-1)");
                r.Acked = true;
                break;
            }
            case PacketType.UnsubAck:
            {
                ushort id = UnsubAck.Read(frame, version).PacketId;
                var r = _requests.FirstOrDefault(r => r.Sent && r.Ends == 0 && r.Id == id && !r.IsSubscribe);
                if (r is not null) r.Acked = true;
                break;
            }
        }
        if (delivered) Fail($"Receive returned true for a {frame.Type}");
    }

    /// <summary>Drains events and checks the invariants after a step.</summary>
    private void Check()
    {
        while (_session.TryGetEvent(out var e))
        {
            switch (e.Kind)
            {
                case SessionEventKind.PublishCompleted:
                case SessionEventKind.PublishFailed:
                case SessionEventKind.PublishDowngraded:
                    _oracle.Ended((int)e.State!, e.Kind, _failAllStep);
                    break;
                case SessionEventKind.SubscribeCompleted:
                case SessionEventKind.UnsubscribeCompleted:
                case SessionEventKind.RequestFailed:
                {
                    var r = _requests[(int)e.State!];
                    if (++r.Ends > 1) Fail($"request {r.N} ended twice ({e.Kind})");
                    if (e.Kind == SessionEventKind.RequestFailed ? !(_failAllStep || (_lostStep && r.Sent)) : !r.Acked)
                        Fail($"request {r.N} ended ({e.Kind}) without a reason");
                    break;
                }
            }
        }
        _failAllStep = _lostStep = false;

        foreach (var r in _requests)
            if (r.Acked && r.Ends == 0) Fail($"request {r.N}'s ack was accepted but it did not complete");
        _oracle.Check(_session);
    }

    /// <summary>Reconnect with Session Present 1 and acknowledge everything: nothing accepted may be left.</summary>
    private void Finish()
    {
        _step = "final reconnect";
        Up();
        Deliver([0x20, 2, 1, 0], mustAccept: true);
        Check();
        if (_session.State != SessionState.Connected) Fail("the final CONNACK did not connect");
        // A QoS 2 flow takes two rounds (PUBLISH→PUBREC, PUBREL→PUBCOMP); a window of 1 runs them one by one.
        int limit = 2 * (_accepted + _requests.Count) + 8;
        for (int round = 0; round < limit; round++)
        {
            _step = $"final round {round}";
            Flush();
            var replies = _replies.ToList();
            foreach (var reply in replies) Deliver(reply, mustAccept: true);
            Check();
            if (replies.Count == 0 && !_session.HasOutgoing) break;
        }
        _step = "final check";
        _oracle.Finish(_session);
        foreach (var r in _requests)
            if (r.Ends != 1) Fail($"request {r.N} was accepted but never ended");
    }

    [DoesNotReturn]
    private void Fail(string what) => throw new HarnessFailure($"session ({_options.Version}, clean={_options.CleanSession}, window {_options.MaxInFlight}/{_options.MaxInFlightQoS2}) {_step}: {what}");
}

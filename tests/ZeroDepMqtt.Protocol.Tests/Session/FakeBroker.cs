using System.Buffers;
using System.Buffers.Binary;
using ZeroDepMqtt.Protocol.Packets;
using P = ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary>One packet the session wrote, decoded and copied out of the writer's buffer.</summary>
internal sealed record Sent(
    PacketType Type,
    ushort PacketId = 0,
    QualityOfService QoS = QualityOfService.AtMostOnce,
    bool Dup = false,
    bool Retain = false,
    string? Topic = null,
    byte[]? Payload = null,
    bool CleanSession = false,
    int FilterCount = 0,
    string? UserName = null,
    ushort KeepAlive = 0)
{
    /// <summary>The tag <see cref="FakeBroker.Publish"/> put in the payload, or -1.</summary>
    public int Tag => Payload is { Length: 4 } p ? BinaryPrimitives.ReadInt32LittleEndian(p) : -1;
}

/// <summary>
/// A scripted broker around a <see cref="ClientSession"/> with a fake clock: it writes what the session sends into
/// decoded <see cref="Sent"/> records and encodes the broker's packets into real frames for <see cref="ClientSession.Receive"/>.
/// </summary>
internal sealed class FakeBroker
{
    public static readonly TopicName Topic = TopicName.Create("t/x");

    private readonly ArrayBufferWriter<byte> _out = new(4096);
    private readonly ArrayBufferWriter<byte> _in = new(256);
    private readonly List<SessionEvent> _held = new();

    public FakeBroker(ClientSessionOptions? options = null) => Session = new ClientSession(options ?? Options());

    public ClientSession Session { get; }

    /// <summary>The fake clock passed to every call.</summary>
    public TimeSpan Now { get; set; } = TimeSpan.FromSeconds(1000);

    public static ClientSessionOptions Options(int maxInFlight = 16, bool cleanSession = false, ushort keepAlive = 0,
        MqttProtocolVersion version = MqttProtocolVersion.V311, int maxQueued = 10_000, int? maxInFlightQoS2 = null)
        => new()
        {
            ClientId = "c1",
            CleanSession = cleanSession,
            KeepAliveSeconds = keepAlive,
            Version = version,
            MaxInFlight = maxInFlight,
            // Tests reason about one window unless they test the QoS 2 cap itself.
            MaxInFlightQoS2 = maxInFlightQoS2 ?? maxInFlight,
            MaxQueuedMessages = maxQueued,
        };

    public static ReadOnlyMemory<byte> PayloadOf(int tag)
    {
        var p = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(p, tag);
        return p;
    }

    /// <summary>Queues a publish whose payload and state are <paramref name="tag"/>; fails the test if refused.</summary>
    public void Publish(int tag, QualityOfService qos, bool retain = false)
        => Assert.True(Session.TryPublish(Topic, PayloadOf(tag), qos, retain, tag), $"publish {tag} refused");

    /// <summary>Calls WriteOutgoing and decodes everything written.</summary>
    public List<Sent> Flush() => Flush(publishBytes: null);

    /// <summary>Calls WriteOutgoing with a PUBLISH byte budget (null: none) and decodes everything written.</summary>
    public List<Sent> Flush(long? publishBytes)
    {
        _out.ResetWrittenCount();
        int n = publishBytes is long budget ? Session.WriteOutgoing(_out, Now, budget) : Session.WriteOutgoing(_out, Now);
        var sent = Decode(_out.WrittenMemory, Session.Options.Version);
        Assert.Equal(n, sent.Count);
        return sent;
    }

    /// <summary>Opens a connection: CONNECT must be written alone, then the broker answers CONNACK.</summary>
    public void Connect(bool sessionPresent = false)
    {
        Session.ConnectionUp(Now);
        var sent = Flush();
        Assert.Equal(PacketType.Connect, Assert.Single(sent).Type);
        ConnAck(sessionPresent);
        Assert.Equal(SessionState.Connected, Session.State);
        // Keep earlier events for Events(), and check the Connected event that ends them.
        var events = Events();
        var connected = events[^1];
        Assert.Equal((SessionEventKind.Connected, sessionPresent), (connected.Kind, connected.SessionPresent));
        _held.AddRange(events.Take(events.Count - 1));
    }

    /// <summary>Loses the connection, opens a new one and answers its CONNECT.</summary>
    public void Reconnect(bool sessionPresent)
    {
        Session.ConnectionLost();
        Connect(sessionPresent);
    }

    public void ConnAck(bool sessionPresent, ConnectReturnCode code = ConnectReturnCode.Accepted)
        => Send(w => new ConnAck(sessionPresent, code).WriteTo(w));

    public void PubAck(ushort id) => Send(w => new PubAck(id).WriteTo(w));
    public void PubRec(ushort id) => Send(w => new PubRec(id).WriteTo(w));
    public void PubRel(ushort id) => Send(w => new PubRel(id).WriteTo(w));
    public void PubComp(ushort id) => Send(w => new PubComp(id).WriteTo(w));
    public void UnsubAck(ushort id) => Send(w => new UnsubAck(id).WriteTo(w));
    public void PingResp() => Send(w => default(PingResp).WriteTo(w));
    public void SubAck(ushort id, params byte[] codes) => Send(w => new SubAck(id, codes).WriteTo(w));

    /// <summary>Sends an application message to the client; returns it when the session delivers it.</summary>
    public Sent? PublishToClient(ushort id, QualityOfService qos, int tag, bool dup = false)
    {
        Sent? delivered = null;
        Send(w => new Publish(Topic, PayloadOf(tag), qos, false, id, dup).WriteTo(w), p => delivered = p);
        return delivered;
    }

    /// <summary>Encodes one packet as the broker would and feeds it to the session as a frame.</summary>
    public void Send(Action<IBufferWriter<byte>> encode, Action<Sent>? onDelivered = null)
    {
        _in.ResetWrittenCount();
        encode(_in);
        var buffer = new ReadOnlySequence<byte>(_in.WrittenMemory);
        Assert.True(MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame));
        Assert.True(buffer.IsEmpty);
        if (Session.Receive(frame, Now, out var message))
            onDelivered?.Invoke(ToSent(message));
    }

    /// <summary>Sends raw bytes, e.g. a packet type no broker may send.</summary>
    public void SendRaw(params byte[] bytes) => Send(w => w.Write(bytes));

    /// <summary>Drains the session's events (but for the Connected one <see cref="Connect"/> checked).</summary>
    public List<SessionEvent> Events()
    {
        var events = new List<SessionEvent>(_held);
        _held.Clear();
        while (Session.TryGetEvent(out var e)) events.Add(e);
        return events;
    }

    /// <summary>The tags of the completion events of one kind, in order.</summary>
    public static List<int> Tags(IEnumerable<SessionEvent> events, SessionEventKind kind)
        => events.Where(e => e.Kind == kind).Select(e => (int)e.State!).ToList();

    /// <summary>Publishes at QoS 1, writes it and acknowledges it; returns the id it used.</summary>
    public ushort PublishAndAck(int tag)
    {
        Publish(tag, QualityOfService.AtLeastOnce);
        var p = Assert.Single(Flush());
        Assert.Equal(PacketType.Publish, p.Type);
        PubAck(p.PacketId);
        return p.PacketId;
    }

    /// <summary>The encoded length of a decoded PUBLISH, as the session counted it against a budget.</summary>
    public static int EncodedLength(Sent p)
        => new P.Publish(TopicName.Create(p.Topic!), p.Payload, p.QoS, p.Retain, p.PacketId, p.Dup).EncodedLength;

    public static List<Sent> Decode(ReadOnlyMemory<byte> bytes, MqttProtocolVersion version)
    {
        var list = new List<Sent>();
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame))
            list.Add(DecodeFrame(frame, version));
        Assert.True(buffer.IsEmpty, "the session wrote a partial packet");
        return list;
    }

    private static Sent DecodeFrame(in MqttFrame frame, MqttProtocolVersion version) => frame.Type switch
    {
        PacketType.Connect => Connected(P.Connect.Read(frame)),
        PacketType.Publish => ToSent(P.Publish.Read(frame, version)),
        PacketType.PubAck => new Sent(PacketType.PubAck, P.PubAck.Read(frame, version).PacketId),
        PacketType.PubRec => new Sent(PacketType.PubRec, P.PubRec.Read(frame, version).PacketId),
        PacketType.PubRel => new Sent(PacketType.PubRel, P.PubRel.Read(frame, version).PacketId),
        PacketType.PubComp => new Sent(PacketType.PubComp, P.PubComp.Read(frame, version).PacketId),
        PacketType.Subscribe => Subscribed(P.Subscribe.Read(frame, version)),
        PacketType.Unsubscribe => Unsubscribed(P.Unsubscribe.Read(frame, version)),
        PacketType.PingReq => Empty(PacketType.PingReq, P.PingReq.Read(frame, version)),
        PacketType.Disconnect => Empty(PacketType.Disconnect, P.Disconnect.Read(frame, version)),
        _ => throw new InvalidOperationException($"a client never writes {MqttFrameReader.Name(frame.Type)}"),
    };

    private static Sent Connected(Connect c)
        => new(PacketType.Connect, CleanSession: c.CleanSession, UserName: c.UserName, KeepAlive: c.KeepAliveSeconds);
    private static Sent Subscribed(Subscribe s) => new(PacketType.Subscribe, s.PacketId, FilterCount: s.Subscriptions.Count);
    private static Sent Unsubscribed(Unsubscribe u) => new(PacketType.Unsubscribe, u.PacketId, FilterCount: u.Filters.Count);
    private static Sent Empty<T>(PacketType type, T _) => new(type);

    private static Sent ToSent(in Publish p)
        => new(PacketType.Publish, p.PacketId, p.QoS, p.Dup, p.Retain, p.Topic.ToString(), p.Payload.ToArray());
}

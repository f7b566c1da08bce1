using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Protocol.Session;

public sealed partial class ClientSession
{
    private Connect _connect;
    private bool _connectPending;
    private TimeSpan _connectWrittenAt;
    private bool _disconnectRequested;

    /// <summary>A new network connection is open: CONNECT is the next packet written, and the only one until CONNACK (MQTT-3.1.0-1).</summary>
    /// <exception cref="InvalidOperationException">The previous connection was not reported lost.</exception>
    public void ConnectionUp(TimeSpan now)
    {
        if (State != SessionState.Disconnected) ThrowHelper.InvalidOperation($"ConnectionUp while {State}: report ConnectionLost first.");
        State = SessionState.Connecting;
        _connectPending = true;
        _disconnectRequested = false;
        _connectWrittenAt = now;
        _lastSent = now;
        ResetPing();
    }

    /// <summary>
    /// Replaces the credentials sent in the next CONNECT written, e.g. a renewed SAS token (also when called between <see cref="ConnectionUp"/> and that write).
    /// </summary>
    /// <exception cref="ArgumentException">A password without a user name (MQTT-3.1.2-22) or an invalid string.</exception>
    public void SetCredentials(string? userName, byte[]? password)
    {
        var connect = BuildConnect(userName, password);
        _ = connect.EncodedLength;
        _connect = connect;
    }

    private Connect BuildConnect(string? userName, byte[]? password) => new(_options.Version, _options.ClientId)
    {
        CleanSession = _options.CleanSession,
        KeepAliveSeconds = _options.KeepAliveSeconds,
        UserName = userName,
        Password = password,
        WillTopic = _options.WillTopic,
        WillMessage = _options.WillMessage,
        WillQoS = _options.WillQoS,
        WillRetain = _options.WillRetain,
    };

    /// <summary>
    /// The connection is gone (closed, failed, or closed by the caller after a protocol error or timeout).
    /// In-flight publishes are kept for re-sending (MQTT-3.1.2-4); SUBSCRIBE/UNSUBSCRIBE already sent fail.
    /// </summary>
    public void ConnectionLost() => ConnectionLost(closedByBroker: false);

    /// <summary>
    /// As <see cref="ConnectionLost()"/>; <paramref name="closedByBroker"/> says the broker ended it (end of stream or
    /// reset), not the caller: such a close may be the broker's QoS 2 limit, which lowers <see cref="QoS2Window"/>.
    /// </summary>
    public void ConnectionLost(bool closedByBroker)
    {
        if (State == SessionState.Disconnected) return;
        JudgeQos2Window(closedByBroker);
        State = SessionState.Disconnected;
        _connectPending = false;
        ResetPing();
        _control.Clear();
        ClearResendMarks();
        FailRequests(includeUnsent: false);
    }

    /// <summary>
    /// Asks for DISCONNECT to be written next. After it nothing more is written on this connection (MQTT-3.14.4-2)
    /// and the caller closes the network connection (MQTT-3.14.4-1). Unacknowledged publishes stay in the session.
    /// </summary>
    public void RequestDisconnect()
    {
        if (State is SessionState.Connected or SessionState.Connecting) _disconnectRequested = true;
    }

    private void OnConnAck(ConnAck ack)
    {
        if (State != SessionState.Connecting)
            ThrowHelper.Protocol(MqttErrorReason.UnexpectedPacket, "CONNACK", "a second CONNACK on one connection", 0, "MQTT-4.8.0-1");
        if (ack.ReturnCode != ConnectReturnCode.Accepted)
        {
            // The broker closes after a refusal (MQTT-3.2.2-5); the caller closes too without waiting.
            ConnectionLost();
            _events.Enqueue(new SessionEvent(SessionEventKind.ConnectionRefused, ReturnCode: ack.ReturnCode));
            return;
        }
        State = SessionState.Connected;
        // MQTT 3.1 has no Session Present: with CleanSession off, assume the broker kept the session and re-send
        // with DUP; a broker that lost it treats the DUP publish as new, so nothing is lost.
        bool sessionKept = !_options.CleanSession
            && (_options.Version == MqttProtocolVersion.V310 || ack.SessionPresent);
        if (!sessionKept)
        {
            _inboundQos2.Clear();
            _orphanReleases.Clear();
        }
        foreach (ushort id in _orphanReleases) _control.Enqueue(new ControlPacket(PacketType.PubRel, id));
        ScheduleResend(sessionKept);
        _events.Enqueue(new SessionEvent(SessionEventKind.Connected, SessionPresent: ack.SessionPresent));
    }
}

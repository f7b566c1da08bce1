using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Protocol.Session;

public sealed partial class ClientSession
{
    private readonly HashSet<ushort> _inboundQos2 = new();      // QoS 2 ids delivered, awaiting PUBREL (MQTT-4.3.3-2)
    private readonly Queue<ControlPacket> _control = new();      // acks to write, in the order they arose (MQTT-4.6.0-2/3/4)

    private readonly record struct ControlPacket(PacketType Type, ushort PacketId);

    /// <summary>
    /// Processes one received packet. Returns true when it carries an application message that the caller must take
    /// now, before releasing the receive buffer: <paramref name="message"/> refers into it.
    /// </summary>
    /// <exception cref="MqttProtocolException">
    /// The packet is malformed, travels the wrong way (MQTT-2.2.1), or breaks the session's order (MQTT-3.2.0-1);
    /// the caller must close the connection (MQTT-4.8.0-1) and then call <see cref="ConnectionLost()"/>.
    /// </exception>
    /// <exception cref="InvalidOperationException">No connection is up.</exception>
    public bool Receive(in MqttFrame frame, TimeSpan now, out Publish message)
    {
        message = default;
        if (State == SessionState.Disconnected) ThrowHelper.InvalidOperation("Receive without a connection: call ConnectionUp first.");
        var type = frame.Type;
        var version = _options.Version;
        if (State == SessionState.Connecting && type != PacketType.ConnAck)
            ThrowHelper.Protocol(MqttErrorReason.UnexpectedPacket, MqttFrameReader.Name(type), "received before CONNACK", 0, "MQTT-3.2.0-1");

        switch (type)
        {
            case PacketType.ConnAck:
                OnConnAck(ConnAck.Read(frame, version));
                return false;
            case PacketType.Publish:
                return OnPublish(Publish.Read(frame, version), out message);
            case PacketType.PubAck:
                OnPubAck(PubAck.Read(frame, version).PacketId);
                return false;
            case PacketType.PubRec:
                OnPubRec(PubRec.Read(frame, version).PacketId);
                return false;
            case PacketType.PubRel:
                OnPubRel(PubRel.Read(frame, version).PacketId);
                return false;
            case PacketType.PubComp:
                OnPubComp(PubComp.Read(frame, version).PacketId);
                return false;
            case PacketType.SubAck:
                OnSubAck(SubAck.Read(frame, version));
                return false;
            case PacketType.UnsubAck:
                OnUnsubAck(UnsubAck.Read(frame, version).PacketId);
                return false;
            case PacketType.PingResp:
                PingResp.Read(frame, version);
                ResetPing();
                return false;
            default:
                return ThrowHelper.Protocol<bool>(MqttErrorReason.InvalidPacketType, MqttFrameReader.Name(type),
                    "a client never receives this packet type", 0, "MQTT-2.2.1");
        }
    }

    private bool OnPublish(Publish publish, out Publish message)
    {
        message = publish;
        switch (publish.QoS)
        {
            case QualityOfService.AtLeastOnce:
                // Acknowledge whether or not the application wants it (MQTT-4.5.0-2, MQTT-3.3.4-1).
                _control.Enqueue(new ControlPacket(PacketType.PubAck, publish.PacketId));
                return true;
            case QualityOfService.ExactlyOnce:
                _control.Enqueue(new ControlPacket(PacketType.PubRec, publish.PacketId));
                // Until PUBREL, a repeat of this id is the same message: acknowledge, do not deliver twice (MQTT-4.3.3-2).
                // A repeat carries DUP (MQTT-3.3.1-1), so DUP 0 on an id we hold means the broker starts a new message
                // with it: it lost its own state, e.g. restarted from an older save (kill -9) while still reporting the
                // session (Session Present 1). Delivering it loses nothing; swallowing it would lose that message
                // (MqttClientReconnectTests.Kill_9_..., ExactlyOnce, loses about 70 of 20,000 without this).
                return _inboundQos2.Add(publish.PacketId) || !publish.Dup;
            default:
                return true;
        }
    }

    private void OnPubRel(ushort id)
    {
        _inboundQos2.Remove(id);
        // Answer every PUBREL, known or not, so the broker can free the id (MQTT-4.3.3-2).
        _control.Enqueue(new ControlPacket(PacketType.PubComp, id));
    }

    // An ack for an id not in flight is ignored: it cannot complete anything, and after a reconnect a late
    // duplicate is possible. An ack of the wrong kind for a live id is a protocol violation.
    private void OnPubAck(ushort id)
    {
        if (_inFlight.Find(id) is not { } m) return;
        if (m.QoS == QualityOfService.ExactlyOnce && m.Stage == OutgoingStage.AwaitingAck)
        {
            // MQTT-4.3.3-1 allows only PUBREC here, but a broker without QoS 2 (RabbitMQ) acknowledges at QoS 1. Closing
            // the connection would only re-send it into the same answer, forever: end this publish instead, truthfully.
            End(m, SessionEventKind.PublishDowngraded);
            return;
        }
        if (m.QoS != QualityOfService.AtLeastOnce || m.Stage != OutgoingStage.AwaitingAck)
            ThrowHelper.Protocol(MqttErrorReason.UnexpectedPacket, "PUBACK", $"packet id {id} belongs to a QoS {(byte)m.QoS} publish", 2, "MQTT-4.3.2-1");
        Complete(m);
    }

    private void OnPubRec(ushort id)
    {
        if (_inFlight.Find(id) is not { } m)
        {
            // Unknown id: still release it so the broker does not hold it forever.
            _control.Enqueue(new ControlPacket(PacketType.PubRel, id));
            return;
        }
        if (m.QoS != QualityOfService.ExactlyOnce)
            ThrowHelper.Protocol(MqttErrorReason.UnexpectedPacket, "PUBREC", $"packet id {id} belongs to a QoS {(byte)m.QoS} publish", 2, "MQTT-4.3.3-1");
        if (m.Stage == OutgoingStage.AwaitingAck)
        {
            // The id stays reserved until PUBCOMP (MQTT-2.3.1-3); the PUBLISH is never sent again (MQTT-4.3.3-1).
            _awaitingAck.Remove(m);
            ForgetQos2Published(m);
            m.Stage = OutgoingStage.AwaitingComp;
            _awaitingComp.Append(m);
            if (m.NeedsSend) { m.NeedsSend = false; _resendPending--; }
            if (m.Durable)
            {
                // The caller records this PUBREC durably first: once PUBREL is out the broker may forget the id, and a
                // restarted process that re-sent the PUBLISH would make it a new message (see TryPublishDurable).
                m.ReleaseHeld = true;
                _events.Enqueue(new SessionEvent(SessionEventKind.PublishReceived, m.State, PacketId: id));
                return;
            }
        }
        else if (m.ReleaseHeld)
        {
            return; // a repeated PUBREC: PUBREL still waits for Release
        }
        _control.Enqueue(new ControlPacket(PacketType.PubRel, id));
    }

    private void OnPubComp(ushort id)
    {
        if (_inFlight.Find(id) is not { } m)
        {
            _orphanReleases.Remove(id);
            return;
        }
        if (m.QoS != QualityOfService.ExactlyOnce || m.Stage != OutgoingStage.AwaitingComp)
            ThrowHelper.Protocol(MqttErrorReason.UnexpectedPacket, "PUBCOMP", $"packet id {id} has not been released with PUBREL", 2, "MQTT-4.3.3-1");
        Complete(m);
        NoteQos2Completed();
    }
}

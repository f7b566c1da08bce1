using System.Buffers;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Protocol.Session;

public sealed partial class ClientSession
{
    /// <summary>
    /// Writes every packet that is due into <paramref name="writer"/>: CONNECT alone until CONNACK (MQTT-3.1.0-1);
    /// then acks, re-sends, new publishes up to the in-flight window, requests, PINGREQ, and DISCONNECT last.
    /// QoS 0 publishes complete as they are written. Returns the number of packets written.
    /// </summary>
    public int WriteOutgoing(IBufferWriter<byte> writer, TimeSpan now) => WriteOutgoing(writer, now, long.MaxValue);

    /// <summary>
    /// As <see cref="WriteOutgoing(IBufferWriter{byte}, TimeSpan)"/>, but stops writing PUBLISH packets (re-sends and new
    /// ones) once <paramref name="publishBytes"/> bytes of them are written; the rest stay due, in order, for the next
    /// call. At least one due PUBLISH is always written, so a budget splits a burst across calls and never stalls it.
    /// For a caller that bounds its buffered output: a burst of large messages must not pile up in its buffers.
    /// </summary>
    public int WriteOutgoing(IBufferWriter<byte> writer, TimeSpan now, long publishBytes)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _publishBudget = Math.Max(1, publishBytes);
        int written = 0;
        if (State == SessionState.Connecting)
        {
            if (_connectPending)
            {
                _connect.WriteTo(writer);
                _connectPending = false;
                _connectWrittenAt = now;
                written++;
            }
        }
        else if (State == SessionState.Connected)
        {
            written += WriteControl(writer);
            if (_resendPending > 0) written += WriteResends(writer);
            written += WriteNewPublishes(writer);
            written += WriteRequests(writer);
            written += WritePingAndDisconnect(writer);
        }
        if (written > 0) _lastSent = now;
        return written;
    }

    /// <summary>
    /// Writes only the control packets that are due: acks and PUBREL, PINGREQ, and DISCONNECT. For a caller whose
    /// output is above its data limit: these are small and must never wait behind publishes. Returns the count.
    /// </summary>
    public int WriteControlOutgoing(IBufferWriter<byte> writer, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (State != SessionState.Connected) return 0;
        int written = WriteControl(writer) + WritePingAndDisconnect(writer);
        if (written > 0) _lastSent = now;
        return written;
    }

    private int WritePingAndDisconnect(IBufferWriter<byte> writer)
    {
        int n = 0;
        if (PingPending)
        {
            default(PingReq).WriteTo(writer);
            _pingWritten = true;
            n++;
        }
        if (_disconnectRequested)
        {
            default(Disconnect).WriteTo(writer);
            State = SessionState.Disconnecting;
            n++;
        }
        return n;
    }

    private int WriteControl(IBufferWriter<byte> writer)
    {
        int n = 0;
        while (_control.TryDequeue(out var c))
        {
            switch (c.Type)
            {
                case PacketType.PubAck: new PubAck(c.PacketId).WriteTo(writer); break;
                case PacketType.PubRec: new PubRec(c.PacketId).WriteTo(writer); break;
                case PacketType.PubRel: new PubRel(c.PacketId).WriteTo(writer); break;
                case PacketType.PubComp: new PubComp(c.PacketId).WriteTo(writer); break;
            }
            n++;
        }
        return n;
    }

    private int WriteResends(IBufferWriter<byte> writer)
    {
        int n = 0;
        // PUBREL always goes: it ends a flow at the broker, so it never takes the broker over its QoS 2 limit.
        for (var m = _awaitingComp.Head; m is not null && _resendPending > 0; m = m.Next)
        {
            if (!m.NeedsSend) continue;
            new PubRel(m.PacketId).WriteTo(writer);
            m.NeedsSend = false;
            _resendPending--;
            n++;
        }
        for (var m = _awaitingAck.Head; m is not null && _resendPending > 0; m = m.Next)
        {
            if (!m.NeedsSend) continue;
            // In order (MQTT-4.6.0-1): a QoS 2 PUBLISH the window has no room for holds back every later one, until PUBCOMPs.
            if (m.QoS == QualityOfService.ExactlyOnce && !Qos2PublishFits) break;
            if (_publishBudget <= 0) break;
            WritePublish(writer, m, dup: m.SentBefore);
            if (m.QoS == QualityOfService.ExactlyOnce) NoteQos2Published(m);
            m.NeedsSend = false;
            _resendPending--;
            n++;
        }
        ResentCount += n;
        return n;
    }

    private int WriteNewPublishes(IBufferWriter<byte> writer)
    {
        int n = 0;
        // New publishes only after every re-send (MQTT-4.6.0-1): a re-send the QoS 2 window holds back holds them too.
        if (_resendPending > 0) return 0;
        bool continuing = _batchOpen;
        _batchOpen = false;
        while (_queue.Head is { } m)
        {
            // The budget is spent: the next call continues this batch, so the window's refill rule does not split it.
            if (_publishBudget <= 0) { _batchOpen = true; break; }
            // In order: a full window holds back what follows, QoS 0 included.
            if (!WindowHasRoom(m.QoS, startingBatch: n == 0 && !continuing)) break;
            // A caller-chosen id still held by another flow: wait for it, never reuse it (MQTT-2.3.1-2).
            if (m.FixedId != 0 && IdInUse(m.FixedId)) break;
            _queue.Remove(m);
            _queuedBytes -= m.Payload.Length;
            n++;
            if (m.QoS == QualityOfService.AtMostOnce)
            {
                WritePublish(writer, m, dup: false);
                Complete(m);   // QoS 0's delivery point is the write (MQTT-4.3.1-1: never retried)
                continue;
            }
            m.PacketId = m.FixedId != 0 ? m.FixedId : NextPacketId();
            m.Stage = OutgoingStage.AwaitingAck;
            _inFlight.Add(m);
            if (m.QoS == QualityOfService.ExactlyOnce) _qos2InFlight++;
            _awaitingAck.Append(m);
            // SentBefore only for a durable publish an earlier process may have sent (TryPublishDurable's resend).
            WritePublish(writer, m, dup: m.SentBefore);
            if (m.QoS == QualityOfService.ExactlyOnce) NoteQos2Published(m);
        }
        return n;
    }

    /// <summary>
    /// Whether the window has room for one more publish of <paramref name="qos"/>; or, when a batch starts, room for a
    /// whole refill batch: a large window that filled up waits until an eighth of it is free, so a stream of acks
    /// refills it in batches (one socket write each) rather than one message per ack.
    /// </summary>
    private bool WindowHasRoom(QualityOfService qos, bool startingBatch)
    {
        if (qos == QualityOfService.AtMostOnce) return true;
        if (!Fits(_inFlight.Count, _options.MaxInFlight, startingBatch)) return false;
        return qos != QualityOfService.ExactlyOnce || Fits(_qos2InFlight, _qos2Window, startingBatch);
    }

    private static bool Fits(int inFlight, int window, bool startingBatch)
        => inFlight <= window - (startingBatch ? RefillBatch(window) : 1);

    // Windows below 64 refill one by one: they are small enough that batching would only add latency.
    private static int RefillBatch(int window) => window >= 64 ? window / 8 : 1;

    private void WritePublish(IBufferWriter<byte> writer, OutgoingMessage m, bool dup)
    {
        var publish = new Publish(m.Topic, m.Payload, m.QoS, m.Retain, m.PacketId, dup);
        publish.WriteTo(writer);
        _publishBudget -= publish.EncodedLength;
        m.SentBefore = true;
    }

    private int WriteRequests(IBufferWriter<byte> writer)
    {
        int n = 0;
        while (_requestsToSend.TryDequeue(out ushort id))
        {
            if (!_requests.TryGetValue(id, out var r)) continue;
            if (r.Subscriptions is not null) new Subscribe(id, r.Subscriptions).WriteTo(writer);
            else new Unsubscribe(id, r.Filters!).WriteTo(writer);
            r.Sent = true;
            n++;
        }
        return n;
    }
}

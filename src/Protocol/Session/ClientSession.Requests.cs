using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Protocol.Session;

public sealed partial class ClientSession
{
    private readonly Dictionary<ushort, PendingRequest> _requests = new();
    private readonly Queue<ushort> _requestsToSend = new();

    private sealed class PendingRequest
    {
        public required object? State;
        public IReadOnlyList<Subscription>? Subscriptions;
        public IReadOnlyList<string>? Filters;
        public bool Sent;
    }

    /// <summary>
    /// Queues a SUBSCRIBE; its SUBACK completes it with one return code per filter (MQTT-3.9.3-1). It is sent once
    /// connected; if its connection is lost before the SUBACK, it fails (3.1.1 re-sends only PUBLISH and PUBREL).
    /// Returns false when <see cref="MaxPendingRequests"/> requests are already pending.
    /// </summary>
    /// <exception cref="ArgumentException">No filters, an invalid filter, or QoS 3.</exception>
    public bool TrySubscribe(IReadOnlyList<Subscription> subscriptions, object? state)
    {
        // Validate now, with a placeholder id, so a bad filter fails the caller rather than the connection.
        _ = new Subscribe(1, subscriptions).EncodedLength;
        return AddRequest(new PendingRequest { State = state, Subscriptions = subscriptions });
    }

    /// <summary>Queues an UNSUBSCRIBE, completed by its UNSUBACK; otherwise as <see cref="TrySubscribe"/>.</summary>
    /// <exception cref="ArgumentException">No filters or an invalid filter.</exception>
    public bool TryUnsubscribe(IReadOnlyList<string> filters, object? state)
    {
        _ = new Unsubscribe(1, filters).EncodedLength;
        return AddRequest(new PendingRequest { State = state, Filters = filters });
    }

    private bool AddRequest(PendingRequest request)
    {
        if (_requests.Count >= MaxPendingRequests) return false;
        ushort id = NextPacketId();
        _requests.Add(id, request);
        _requestsToSend.Enqueue(id);
        return true;
    }

    private void OnSubAck(SubAck ack)
    {
        // A SUBACK for an id we are not waiting on is left alone (MQTT-2.3.1-7: it must carry the SUBSCRIBE's id).
        if (!_requests.TryGetValue(ack.PacketId, out var r) || r.Subscriptions is null || !r.Sent) return;
        if (ack.ReturnCodes.Length != r.Subscriptions.Count)
            ThrowHelper.Protocol(MqttErrorReason.InvalidSubAck, "SUBACK",
                $"{ack.ReturnCodes.Length} return code(s) for {r.Subscriptions.Count} filter(s)", 4, "MQTT-3.8.4-5");
        _requests.Remove(ack.PacketId);
        _events.Enqueue(new SessionEvent(SessionEventKind.SubscribeCompleted, r.State, ReturnCodes: ack.ReturnCodes));
    }

    private void OnUnsubAck(ushort id)
    {
        if (!_requests.TryGetValue(id, out var r) || r.Filters is null || !r.Sent) return;
        _requests.Remove(id);
        _events.Enqueue(new SessionEvent(SessionEventKind.UnsubscribeCompleted, r.State));
    }

    private void FailRequests(bool includeUnsent)
    {
        if (_requests.Count == 0) return;
        List<ushort>? failed = null;
        foreach (var (id, r) in _requests)
            if (r.Sent || includeUnsent) (failed ??= new()).Add(id);
        if (failed is null) return;
        foreach (var id in failed)
        {
            _events.Enqueue(new SessionEvent(SessionEventKind.RequestFailed, _requests[id].State));
            _requests.Remove(id);
        }
        // Keep the unsent ones queued in their order.
        int n = _requestsToSend.Count;
        for (int i = 0; i < n; i++)
        {
            ushort id = _requestsToSend.Dequeue();
            if (_requests.ContainsKey(id)) _requestsToSend.Enqueue(id);
        }
    }
}

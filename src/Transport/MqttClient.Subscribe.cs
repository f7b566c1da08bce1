using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    // Subscriptions this client made, re-made after a reconnect on which the broker lost the session.
    private readonly Dictionary<string, QualityOfService> _subscriptions = new(StringComparer.Ordinal);
    private bool _resubscribePending;   // a resubscribe was sent and not yet answered: the next connection makes it again

    private sealed class RequestCompletion(string[] filters, bool resubscribe) : TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string[] Filters { get; } = filters;
        public bool Resubscribe { get; } = resubscribe;
    }

    /// <summary>Subscribes to one topic filter and returns the QoS the broker granted.</summary>
    /// <exception cref="ArgumentException">An invalid filter or QoS 3.</exception>
    /// <exception cref="MqttClientException">The broker refused the subscription (SUBACK 0x80) or the connection was lost first.</exception>
    public async ValueTask<QualityOfService> SubscribeAsync(string filter, QualityOfService qos = QualityOfService.AtLeastOnce, CancellationToken cancellationToken = default)
    {
        var codes = await SubscribeAsync([new Subscription(filter, qos)], cancellationToken).ConfigureAwait(false);
        if (codes[0] == SubAck.Failure)
            throw new MqttClientException(MqttCloseReason.None, $"the broker refused the subscription to \"{filter}\" (SUBACK 0x80)");
        return (QualityOfService)codes[0];
    }

    /// <summary>Subscribes to several filters at once; returns one SUBACK code per filter, in order (0x80 = refused).</summary>
    /// <exception cref="ArgumentException">No filters, an invalid filter, or QoS 3.</exception>
    /// <exception cref="MqttClientException">The connection was lost before the SUBACK.</exception>
    public async ValueTask<byte[]> SubscribeAsync(IReadOnlyList<Subscription> subscriptions, CancellationToken cancellationToken = default)
    {
        var request = new RequestCompletion([.. subscriptions.Select(s => s.Filter)], resubscribe: false);
        lock (_gate)
        {
            if (RefusesOperationsLocked) throw StateErrorLocked();
            if (!_session.TrySubscribe(subscriptions, request))
                throw new InvalidOperationException($"more than {ClientSession.MaxPendingRequests} subscribe requests are pending");
            foreach (var s in subscriptions) _subscriptions[s.Filter] = s.QoS;
            PumpLocked();
        }
        var codes = await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return codes;
    }

    /// <summary>Removes subscriptions by exact filter.</summary>
    /// <exception cref="ArgumentException">No filters or an invalid filter.</exception>
    /// <exception cref="MqttClientException">The connection was lost before the UNSUBACK.</exception>
    public async ValueTask UnsubscribeAsync(IReadOnlyList<string> filters, CancellationToken cancellationToken = default)
    {
        var request = new RequestCompletion([.. filters], resubscribe: false);
        lock (_gate)
        {
            if (RefusesOperationsLocked) throw StateErrorLocked();
            if (!_session.TryUnsubscribe(filters, request))
                throw new InvalidOperationException($"more than {ClientSession.MaxPendingRequests} requests are pending");
            foreach (var f in filters) _subscriptions.Remove(f);
            PumpLocked();
        }
        await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnRequestEvent(SessionEvent e)
    {
        if (e.State is not RequestCompletion request) return;
        switch (e.Kind)
        {
            case SessionEventKind.SubscribeCompleted:
                var codes = e.ReturnCodes.ToArray();
                if (request.Resubscribe) OnResubscribedLocked(request, codes);
                request.TrySetResult(codes);
                break;
            case SessionEventKind.UnsubscribeCompleted:
                request.TrySetResult([]);
                break;
            case SessionEventKind.RequestFailed when request.Resubscribe:
                break;   // nobody awaits it; _resubscribePending stays set, so the next connection makes it again
            case SessionEventKind.RequestFailed:
                // A failure while the client stops carries its fault; a lost connection carries that connection's reason,
                // recorded before the session is told (see RunConnectionAsync).
                request.TrySetException(_fault is not null
                    ? NewFault()
                    : new MqttClientException(_lastCloseReason, $"the connection was lost before the broker answered the request ({_lastCloseReason})", _lastCloseError));
                break;
        }
    }

    /// <summary>A resubscribe was answered: filters the broker refused are forgotten and reported; under the lock.</summary>
    private void OnResubscribedLocked(RequestCompletion request, byte[] codes)
    {
        _resubscribePending = false;
        for (int i = 0; i < codes.Length && i < request.Filters.Length; i++)
        {
            if (codes[i] != SubAck.Failure) continue;
            string filter = request.Filters[i];
            _subscriptions.Remove(filter);
            var error = new MqttClientException(MqttCloseReason.None, $"after a reconnect the broker refused to restore the subscription to \"{filter}\" (SUBACK 0x80); it is no longer subscribed");
            if (ResubscribeFailed is { } handler)
                ThreadPool.UnsafeQueueUserWorkItem(_ => { try { handler(filter, error); } catch (Exception) { } }, null);
        }
    }

    /// <summary>After a reconnect where the broker has no session, subscribe again to everything (under the lock).</summary>
    private void ResubscribeLocked()
    {
        _resubscribePending = false;
        if (_subscriptions.Count == 0) return;
        var list = _subscriptions.Select(kv => new Subscription(kv.Key, kv.Value)).ToArray();
        _resubscribePending = _session.TrySubscribe(list, new RequestCompletion([.. list.Select(s => s.Filter)], resubscribe: true));
    }
}

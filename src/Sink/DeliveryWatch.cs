using System.Diagnostics;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// Watches one sink's client for the cases where waiting longer cannot deliver anything, and stops the sink with a
/// reason instead of resending forever: another client with the same client id (the broker keeps closing our
/// connection while the other one makes progress), and no acknowledgement for
/// <see cref="MqttSinkRuntimeOptions.NoProgressGiveUpAfter"/> while messages are outstanding and the broker accepts
/// connections; and a broker that answers the sink's QoS 2 PUBLISH with PUBACK (no QoS 2 support). Also counts the QoS 0 messages written on a connection that then dropped: QoS 0 has no
/// acknowledgement, so those may never have reached the broker.
/// </summary>
internal sealed class DeliveryWatch : IDisposable
{
    private readonly MqttClient _client;
    private readonly SinkSettings _settings;
    private readonly TimeSpan? _limit;
    private readonly Action<SinkErrorKind, string> _stop;
    private readonly object _gate = new();
    private readonly ITimer? _timer;
    private long _ackAtConnect, _connectedAt;
    private long _quickCloses, _qos2LimitCloses;
    private long _ackAtPreviousLoss = -1, _ackAtLossBefore = -1;
    private long _connectionsLost;
    private long _lastAck, _lastProgress = Stopwatch.GetTimestamp();
    private long _lossesAtProgress, _connectionsAtProgress;

    public DeliveryWatch(MqttClient client, SinkSettings settings, TimeSpan? noProgressLimit, Action<SinkErrorKind, string> stop)
    {
        _client = client;
        _settings = settings;
        _limit = noProgressLimit;
        _stop = stop;
        client.Connected += OnConnected;
        client.ConnectionLost += OnConnectionLost;
        client.QoS2NotSupported += OnQoS2NotSupported;
        if (noProgressLimit is { } limit)
        {
            // Checked a few times per limit: the bound is met within a quarter of it, at most a second late.
            var period = TimeSpan.FromTicks(Math.Clamp(limit.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
            _timer = TimeProvider.System.CreateTimer(_ => Check(), null, period, period);
        }
    }

    /// <summary>QoS 0 messages written on a connection that ended without our DISCONNECT.</summary>
    public long WrittenBeforeConnectionLoss { get; private set; }

    /// <summary>Connections the broker closed within 2 s of accepting them: each may have been another client with
    /// the same client id taking the session over, which can make the broker drop messages it acknowledged.</summary>
    public long QuickBrokerCloses => Interlocked.Read(ref _quickCloses);

    /// <summary>Connections whose end looked like the broker's QoS 2 limit (the client lowered its QoS 2 window).</summary>
    public long QoS2LimitCloses => Interlocked.Read(ref _qos2LimitCloses);

    /// <summary>Connections that ended without our DISCONNECT.</summary>
    public long ConnectionsLost => Interlocked.Read(ref _connectionsLost);

    private void OnConnected(bool sessionPresent)
    {
        lock (_gate)
        {
            _ackAtConnect = _client.Metrics.Acknowledged;
            _connectedAt = Stopwatch.GetTimestamp();
        }
    }

    private void OnConnectionLost(MqttCloseReason reason, Exception? error)
    {
        // A renewal close (a SAS token about to expire) is ours and flushed first: nothing was lost.
        if (reason is MqttCloseReason.ClientDisconnected or MqttCloseReason.Disposed or MqttCloseReason.LifetimeReached) return;
        bool progressed;
        long outstanding;
        lock (_gate)
        {
            long ack = _client.Metrics.Acknowledged;
            Interlocked.Increment(ref _connectionsLost);
            // The client's takeover rule (it owns it): a broker that closes a connection this soon after accepting it was
            // probably told to by another connection with the same client id.
            if (_connectedAt != 0 && MqttClient.IsQuickClose(reason, Stopwatch.GetElapsedTime(_connectedAt)))
                Interlocked.Increment(ref _quickCloses);
            _connectedAt = 0;
            // Still a quick close above: a takeover at a high QoS 2 rate looks the same until the window is 1.
            if (_client.LastCloseLookedLikeQoS2Limit) Interlocked.Increment(ref _qos2LimitCloses);
            if (_settings.Qos == QualityOfService.AtMostOnce) WrittenBeforeConnectionLoss += Math.Max(0, ack - _ackAtConnect);
            _ackAtConnect = ack;
            // Progress over the last two connections: a takeover alternates with a client that gets its messages
            // through; a broker that closes every connection at the same message makes none.
            progressed = _ackAtLossBefore >= 0 && ack > _ackAtLossBefore;
            _ackAtLossBefore = _ackAtPreviousLoss;
            _ackAtPreviousLoss = ack;
            outstanding = _client.Metrics.Published - ack;
        }
        if (error is MqttClientIdInUseException inUse && (progressed || outstanding == 0))
            _stop(SinkErrorKind.ClientIdInUse,
                $"another client uses the client id \"{_settings.ClientId}\": {_settings.Broker} closed this connection right after accepting it "
              + $"{inUse.ClosesInARow} times in a row (a broker keeps one connection per client id); give every publisher its own clientId");
    }

    // Every further QoS 2 message would be taken at QoS 1 and reported failed: stop at the first, with the client's reason.
    private void OnQoS2NotSupported(MqttClientException error) => _stop(SinkErrorKind.QoS2NotSupported, error.Message);

    private void Check()
    {
        if (_limit is not { } limit) return;
        string? reason = null;
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            long ack = _client.Metrics.Acknowledged;
            long outstanding = _client.Metrics.Published - ack;
            if (ack != _lastAck || outstanding <= 0)
            {
                _lastAck = ack;
                _lastProgress = now;
                _lossesAtProgress = ConnectionsLost;
                _connectionsAtProgress = _client.Metrics.Connections;
                return;
            }
            if (Stopwatch.GetElapsedTime(_lastProgress, now) < limit) return;
            long closes = ConnectionsLost - _lossesAtProgress;
            bool connected = _client.IsConnected;
            // No connection at all in that time: the reconnect give-up bound (ReconnectGiveUpAfter) reports that.
            if (!connected && _client.Metrics.Connections == _connectionsAtProgress) return;
            string seconds = limit.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            reason = closes > 0
                ? $"{_settings.Broker} accepted the connection but closed it {closes} time(s) without acknowledging anything for {seconds} s "
                + $"({outstanding} message(s) outstanding): it closes the connection after this PUBLISH, which is probably larger than its packet size limit "
                + $"(Mosquitto: max_packet_size, message_size_limit), or this client is not authorised to publish to \"{_settings.Topic}\""
                : $"{_settings.Broker} acknowledged nothing for {seconds} s although the connection is up ({outstanding} message(s) outstanding)";
        }
        _stop(SinkErrorKind.NoProgress, reason);
    }

    public void Dispose()
    {
        _client.Connected -= OnConnected;
        _client.ConnectionLost -= OnConnectionLost;
        _client.QoS2NotSupported -= OnQoS2NotSupported;
        _timer?.Dispose();
    }
}

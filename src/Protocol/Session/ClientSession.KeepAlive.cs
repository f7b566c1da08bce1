namespace ZeroDepMqtt.Protocol.Session;

public sealed partial class ClientSession
{
    private TimeSpan _lastSent;
    private TimeSpan? _pingDueAt;   // when a PINGREQ fell due; cleared by PINGRESP. The ping timeout runs from here.
    private bool _pingWritten;

    private TimeSpan KeepAlive => TimeSpan.FromSeconds(_options.KeepAliveSeconds);

    /// <summary>
    /// The next time <see cref="Tick"/> has something to do (a PINGREQ due, a PINGRESP or CONNACK overdue), or null.
    /// </summary>
    public TimeSpan? NextDeadline
    {
        get
        {
            switch (State)
            {
                case SessionState.Connecting:
                    return _connectWrittenAt + _options.ConnAckTimeout;
                case SessionState.Connected:
                    if (_pingDueAt is { } due) return due + _options.PingTimeout;
                    if (_options.KeepAliveSeconds == 0) return null;
                    return _lastSent + KeepAlive;
                default:
                    return null;
            }
        }
    }

    /// <summary>
    /// Advances the clock. Schedules a PINGREQ when nothing was sent for Keep Alive (MQTT-3.1.2-23), and reports a
    /// connection that must be closed: no CONNACK or no PINGRESP in time. The ping timeout counts from when the PINGREQ
    /// fell due, not from when it was written, so a connection whose output is stuck (a broker that stopped reading)
    /// still ends within Keep Alive + ping timeout. After a non-<see cref="SessionTimeout.None"/> result the caller
    /// closes the connection and calls <see cref="ConnectionLost()"/>.
    /// </summary>
    public SessionTimeout Tick(TimeSpan now)
    {
        switch (State)
        {
            case SessionState.Connecting when now >= _connectWrittenAt + _options.ConnAckTimeout:
                return SessionTimeout.ConnAck;
            case SessionState.Connected:
                if (_pingDueAt is { } due)
                {
                    if (now >= due + _options.PingTimeout) return SessionTimeout.KeepAlive;
                }
                else if (_options.KeepAliveSeconds != 0 && now >= _lastSent + KeepAlive)
                {
                    _pingDueAt = _lastSent + KeepAlive;
                }
                break;
        }
        return SessionTimeout.None;
    }

    private bool PingPending => _pingDueAt is not null && !_pingWritten;

    private void ResetPing()
    {
        _pingDueAt = null;
        _pingWritten = false;
    }

    /// <summary>Whether <see cref="WriteOutgoing(System.Buffers.IBufferWriter{byte}, TimeSpan)"/> would write anything now.</summary>
    public bool HasOutgoing =>
        State switch
        {
            SessionState.Connecting => _connectPending,
            SessionState.Connected => HasControlOutgoing || ResendDue
                || _requestsToSend.Count > 0 || (_resendPending == 0 && _queue.Head is { } h && WindowHasRoom(h.QoS, startingBatch: !_batchOpen) && (h.FixedId == 0 || !IdInUse(h.FixedId))),
            _ => false,
        };

    /// <summary>Whether <see cref="WriteControlOutgoing"/> would write anything now: acks, PUBREL, PINGREQ or DISCONNECT.</summary>
    public bool HasControlOutgoing => State == SessionState.Connected && (_control.Count > 0 || PingPending || _disconnectRequested);
}

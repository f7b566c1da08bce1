using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    /// <summary>
    /// The one reader: frames packets off the pipe and feeds them to the session under the lock, answers (acks, the
    /// next publishes the window lets through) are encoded at once, and the pipe advances in finally. It never waits
    /// on the application: received messages go to <see cref="Messages"/> with TryWrite (dropped and counted when full).
    /// </summary>
    private async Task<CloseOutcome> ReadLoopAsync(PipeReader reader, Socket socket, ConnectionLink link, CancellationToken ct)
    {
        await Task.Yield();
        var events = new List<SessionEvent>();
        var inbound = new List<MqttApplicationMessage>();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                bool connected = false, sessionPresent = false, nothingToSend = false;
                ConnectReturnCode? refused = null;
                try
                {
                    lock (_gate)
                    {
                        // One clock read per socket read, not per packet: a read of PUBACKs is one instant to the
                        // keep-alive, and the clock was about 5 % of a QoS 1 profile when read for every frame.
                        var now = Now;
                        while (MqttFrameReader.TryRead(ref buffer, _options.MaxIncomingPacketSize, out var frame))
                        {
                            if (_session.Receive(frame, now, out var message))
                                inbound.Add(new MqttApplicationMessage(message.Topic.ToString(), message.Payload.ToArray(), message.QoS, message.Retain, message.Dup));
                        }
                        DrainEvents(events);
                        foreach (var e in events)
                        {
                            if (e.Kind == SessionEventKind.ConnectionRefused) refused = e.ReturnCode;
                            if (e.Kind != SessionEventKind.Connected) continue;
                            connected = true;
                            sessionPresent = e.SessionPresent;
                            link.Accepted = true;
                            link.AcceptedAt = Now;
                            OnAcceptedLocked();
                            if ((_everConnected && !BrokerKeptSession(e.SessionPresent)) || _resubscribePending) ResubscribeLocked();
                            _everConnected = true;
                        }
                        DispatchLocked(events);
                        PumpLocked();
                        nothingToSend = _outputPending == 0;
                        // CONNACK and PINGRESP are the only events that bring the next deadline earlier.
                        if (_session.NextDeadline is { } next && (link.ArmedFor is not { } armed || next < armed)) RearmLocked(link);
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                // This read gave us nothing to write, so no data segment of ours will carry the ACK: have the kernel
                // send it now (and the next ones at once) rather than up to 40 ms later (see TcpQuickAck). While
                // publishes stream, ACKs ride on them and no extra ACK packets are asked for.
                if (nothingToSend) Connections.TcpQuickAck.Request(socket);

                if (connected)
                {
                    _metrics.OnConnected();
                    _connectedOnce?.TrySetResult();
                    Raise(Connected, sessionPresent);
                }
                if (refused is { } code)
                    return new CloseOutcome(MqttCloseReason.Refused, new MqttConnectionRefusedException(code, CurrentBroker.ToString()));
                DeliverInbound(inbound);
                RaiseQoS2NotSupportedOnce();

                if (result.IsCompleted)
                {
                    return buffer.IsEmpty
                        ? new CloseOutcome(MqttCloseReason.BrokerClosed, new MqttClientException(MqttCloseReason.BrokerClosed, $"{CurrentBroker} closed the connection"))
                        : new CloseOutcome(MqttCloseReason.ProtocolError, new MqttClientException(MqttCloseReason.ProtocolError, $"{CurrentBroker} closed the connection in the middle of a packet ({buffer.Length} byte(s) of it received)"));
                }
            }
        }
        catch (MqttProtocolException e)
        {
            return new CloseOutcome(MqttCloseReason.ProtocolError, new MqttClientException(MqttCloseReason.ProtocolError, $"protocol error from {CurrentBroker}: {e.Message}", e));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new CloseOutcome(MqttCloseReason.None, null);
        }
        catch (IOException e) when (_tls is not null && !link.Accepted)
        {
            // With TLS 1.3 the broker checks the client certificate after the handshake, so a refusal arrives here.
            return new CloseOutcome(MqttCloseReason.TlsFailure, new MqttClientException(MqttCloseReason.TlsFailure,
                $"{CurrentBroker} closed the TLS connection before CONNACK ({e.Message}); a missing or refused client certificate is the usual cause", e));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            return new CloseOutcome(MqttCloseReason.NetworkError, new MqttClientException(MqttCloseReason.NetworkError, $"connection to {CurrentBroker} failed: {e.Message}", e));
        }
        catch (Exception e)
        {
            return InternalError(e);
        }
        finally
        {
            // Messages framed before a bad packet later in the same read: the session counts them as received (a QoS 2
            // id is held until PUBREL, so the broker's re-send is not delivered again), so they must reach Messages now.
            DeliverInbound(inbound);
        }
    }

    private void DeliverInbound(List<MqttApplicationMessage> inbound)
    {
        foreach (var m in inbound)
        {
            if (_received.Writer.TryWrite(m)) continue;
            _metrics.OnReceivedDropped();
            Raise(MessageDropped, m);
        }
        inbound.Clear();
    }

    /// <summary>Whether the broker still has this client's subscriptions. MQTT 3.1 has no Session Present: with CleanSession off, it keeps them.</summary>
    private bool BrokerKeptSession(bool sessionPresent)
        => !_options.CleanSession && (sessionPresent || _options.ProtocolVersion == MqttProtocolVersion.V310);

    // A bug of ours must end the connection visibly, never kill the supervisor and leave awaits hanging.
    private CloseOutcome InternalError(Exception e)
        => new(MqttCloseReason.ProtocolError, new MqttClientException(MqttCloseReason.ProtocolError, $"internal error on the connection to {CurrentBroker}: {e.GetType().Name}: {e.Message}", e));

    /// <summary>
    /// The connection's one timer, on the client's <see cref="TimeProvider"/>: gives the session the time (PINGREQ when
    /// idle, the end of a connection whose CONNACK or PINGRESP is overdue) and re-arms itself to the next deadline.
    /// </summary>
    private void OnTimer(ConnectionLink link)
    {
        CloseOutcome? end = null;
        lock (_gate)
        {
            if (_link != link) return;
            var now = Now;
            var timeout = !link.Accepted && now >= link.ConnAckDeadline ? SessionTimeout.ConnAck : _session.Tick(now);
            if (timeout == SessionTimeout.KeepAlive)
                end = new CloseOutcome(MqttCloseReason.KeepAliveTimeout, new MqttClientException(MqttCloseReason.KeepAliveTimeout,
                    $"no PINGRESP from {CurrentBroker} within {_options.PingTimeout.TotalSeconds:0.#} s of the PINGREQ falling due"));
            else if (timeout == SessionTimeout.ConnAck)
                end = new CloseOutcome(MqttCloseReason.ConnectTimeout, new MqttClientException(MqttCloseReason.ConnectTimeout,
                    $"no CONNACK from {CurrentBroker} within {AttemptTimeout.TotalSeconds:0.#} s of starting to connect"));
            else
            {
                PumpLocked();
                RearmLocked(link);
            }
        }
        if (end is { } e) link.Ended.TrySetResult(e);
    }

    /// <summary>Arms the timer for the earliest deadline: the session's, or CONNACK's while not accepted. Otherwise deadlines only move later (the read loop re-arms for CONNACK and PINGRESP, which bring them earlier), so a timer that fires early just re-arms.</summary>
    private void RearmLocked(ConnectionLink link)
    {
        var deadline = _session.NextDeadline;
        if (!link.Accepted && (deadline is null || deadline > link.ConnAckDeadline)) deadline = link.ConnAckDeadline;
        link.ArmedFor = deadline;
        if (deadline is not { } d)
        {
            link.Timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var wait = d - Now;
        link.Timer.Change(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }
}

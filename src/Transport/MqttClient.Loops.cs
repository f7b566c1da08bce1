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
    /// next publishes the window lets through) are encoded at once, and the pipe advances in finally.
    /// </summary>
    private async Task<CloseOutcome> ReadLoopAsync(PipeReader reader, AcceptedFlag accepted, CancellationToken ct)
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
                bool connected = false, sessionPresent = false;
                ConnectReturnCode? refused = null;
                try
                {
                    lock (_gate)
                    {
                        while (MqttFrameReader.TryRead(ref buffer, _options.MaxIncomingPacketSize, out var frame))
                        {
                            if (_session.Receive(frame, Now, out var message))
                                inbound.Add(new MqttApplicationMessage(message.Topic.ToString(), message.Payload.ToArray(), message.QoS, message.Retain, message.Dup));
                        }
                        DrainEvents(events);
                        foreach (var e in events)
                        {
                            if (e.Kind == SessionEventKind.ConnectionRefused) refused = e.ReturnCode;
                            if (e.Kind != SessionEventKind.Connected) continue;
                            connected = true;
                            sessionPresent = e.SessionPresent;
                            accepted.Value = true;
                            accepted.At = Now;
                            // The broker kept no subscriptions: make them again.
                            if (_everConnected && (!e.SessionPresent || _options.CleanSession)) ResubscribeLocked();
                            _everConnected = true;
                        }
                        DispatchLocked(events);
                        PumpLocked();
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }

                if (connected)
                {
                    _metrics.OnConnected();
                    _connectedOnce?.TrySetResult();
                    Raise(Connected, sessionPresent);
                }
                if (refused is { } code)
                    return new CloseOutcome(MqttCloseReason.Refused, new MqttConnectionRefusedException(code, CurrentBroker.ToString()));
                foreach (var m in inbound) await _received.Writer.WriteAsync(m, ct).ConfigureAwait(false);
                inbound.Clear();

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
        catch (IOException e) when (_tls is not null && !accepted.Value)
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
    }

    // A bug of ours must end the connection visibly, never kill the supervisor and leave awaits hanging.
    private CloseOutcome InternalError(Exception e)
        => new(MqttCloseReason.ProtocolError, new MqttClientException(MqttCloseReason.ProtocolError, $"internal error on the connection to {CurrentBroker}: {e.GetType().Name}: {e.Message}", e));

    /// <summary>Gives the session the time: PINGREQ when idle, and the end of a connection whose CONNACK or PINGRESP is overdue.</summary>
    private async Task<CloseOutcome> TimerLoopAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                SessionTimeout timeout;
                TimeSpan? deadline;
                var now = Now;
                lock (_gate)
                {
                    timeout = _session.Tick(now);
                    deadline = _session.NextDeadline;
                    if (timeout == SessionTimeout.None) PumpLocked();
                }
                if (timeout == SessionTimeout.KeepAlive)
                    return new CloseOutcome(MqttCloseReason.KeepAliveTimeout, new MqttClientException(MqttCloseReason.KeepAliveTimeout,
                        $"no PINGRESP from {CurrentBroker} within {_options.PingTimeout.TotalSeconds:0.#} s"));
                if (timeout == SessionTimeout.ConnAck)
                    return new CloseOutcome(MqttCloseReason.ConnectTimeout, new MqttClientException(MqttCloseReason.ConnectTimeout,
                        $"no CONNACK from {CurrentBroker} within {_options.ConnectTimeout.TotalSeconds:0.#} s"));
                var wait = deadline is { } d ? d - now : TimeSpan.FromSeconds(1);
                if (wait < TimeSpan.FromMilliseconds(5)) wait = TimeSpan.FromMilliseconds(5);
                if (wait > TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return new CloseOutcome(MqttCloseReason.None, null);
        }
    }
}

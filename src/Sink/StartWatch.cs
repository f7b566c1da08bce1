using System.Net.Sockets;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// Watches the connection attempts of <see cref="MqttSink.StartAsync"/> for the two mistakes that retrying cannot
/// fix: plain <c>tcp://</c> to a TLS port (the server resets or closes the connection right after CONNECT) and an
/// address where something that is not an MQTT broker answers (its first bytes are no CONNACK). Three such attempts in
/// a row end the start at once, with a hint instead of a bare "connection reset" after the whole give-up time.
/// </summary>
internal sealed class StartWatch(BrokerAddress broker, CancellationTokenSource giveUp)
{
    private const int Enough = 3;
    private int _closedAfterConnect, _notMqtt;
    private string? _hint;

    /// <summary>Why the start was ended early, or null.</summary>
    public string? Verdict { get; private set; }

    /// <summary>"; is this a TLS port? …" when the last attempts looked like one, else "".</summary>
    public string Hint => _hint is null ? "" : $"; {_hint}";

    public void OnConnectionLost(MqttCloseReason reason, Exception? error)
    {
        if (reason == MqttCloseReason.ProtocolError)
        {
            _closedAfterConnect = 0;
            _hint = $"something that is not an MQTT broker answers at {broker} (an HTTP server answers like this); check the host and port";
            if (++_notMqtt >= Enough) Stop($"{_hint}; it sent no CONNACK but something else, {_notMqtt} times");
            return;
        }
        _notMqtt = 0;
        if (!broker.UseTls && (reason == MqttCloseReason.BrokerClosed || IsReset(error)))
        {
            _hint = $"is this a TLS port? use ssl://{HostPort()}";
            if (++_closedAfterConnect >= Enough) Stop($"it closed the connection right after CONNECT {_closedAfterConnect} times: {_hint}");
            return;
        }
        _closedAfterConnect = 0;
        _hint = null;
    }

    private void Stop(string verdict)
    {
        if (Verdict is not null) return;
        Verdict = verdict;
        try { giveUp.Cancel(); } catch (ObjectDisposedException) { }
    }

    private string HostPort() => broker.Host.Contains(':') ? $"[{broker.Host}]:{broker.Port}" : $"{broker.Host}:{broker.Port}";

    private static bool IsReset(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionReset }) return true;
        return false;
    }
}

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>The server did not accept the WebSocket upgrade (wrong path, not a WebSocket endpoint, no MQTT
/// subprotocol). An <see cref="IOException"/>, so reconnecting treats it as a network failure.</summary>
public sealed class WebSocketUpgradeException : IOException
{
    /// <summary>Creates the exception.</summary>
    public WebSocketUpgradeException(string message, int? status = null) : base(message) => Status = status;

    /// <summary>The HTTP status the server answered instead of 101, or null when the 101 itself was wrong.</summary>
    public int? Status { get; }
}

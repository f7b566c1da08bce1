namespace ZeroDepMqtt.Transport;

/// <summary>
/// Where an <see cref="MqttClient"/> is in its life. It moves forward only: Created → Connecting → Connected ⇄
/// Reconnecting, then Disconnecting → Closed, or Faulted. Closed and Faulted are final: a client cannot connect again
/// after <see cref="MqttClient.DisconnectAsync"/> (create a new one); every operation then fails at once, none hangs.
/// </summary>
public enum MqttClientState
{
    /// <summary>Not connected yet; publishes queue until <see cref="MqttClient.ConnectAsync"/>.</summary>
    Created = 0,
    /// <summary>The first connection is being made (and re-tried per the reconnect policy).</summary>
    Connecting,
    /// <summary>A connection is up and CONNACK accepted it.</summary>
    Connected,
    /// <summary>A connection was lost after the first was accepted; it is being re-made in the background.</summary>
    Reconnecting,
    /// <summary><see cref="MqttClient.DisconnectAsync"/> runs: no new operation is accepted; in-flight publishes drain.</summary>
    Disconnecting,
    /// <summary>Disconnected or disposed on request. Final.</summary>
    Closed,
    /// <summary>The client gave up (refused for good, the reconnect policy ran out, connecting was cancelled). Final; <see cref="MqttClient.LastCloseError"/> says why.</summary>
    Faulted,
}

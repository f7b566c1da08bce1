using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Transport;

/// <summary>A connection or delivery failure of <see cref="MqttClient"/>; <see cref="Reason"/> says why.</summary>
public class MqttClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttClientException(MqttCloseReason reason, string message, Exception? inner = null) : base(message, inner) => Reason = reason;

    /// <summary>Why the connection ended or the operation failed.</summary>
    public MqttCloseReason Reason { get; }
}

/// <summary>The broker refused the connection with a CONNACK return code.</summary>
public sealed class MqttConnectionRefusedException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttConnectionRefusedException(ConnectReturnCode code, string broker)
        : base(MqttCloseReason.Refused, $"{broker} refused the connection: {code.Describe()} (CONNACK return code {(byte)code})")
        => ReturnCode = code;

    /// <summary>The CONNACK return code.</summary>
    public ConnectReturnCode ReturnCode { get; }
}

/// <summary>The broker closed the connection right after accepting it, several times in a row: another client
/// probably uses the same client id (a broker drops the older of two connections with one id, MQTT-3.1.4-2).
/// Reported as the error of <see cref="MqttClient.ConnectionLost"/>.</summary>
public sealed class MqttClientIdInUseException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttClientIdInUseException(string message, int closesInARow, Exception? inner = null) : base(MqttCloseReason.BrokerClosed, message, inner)
        => ClosesInARow = closesInARow;

    /// <summary>How many connections in a row the broker closed right after accepting them.</summary>
    public int ClosesInARow { get; }
}

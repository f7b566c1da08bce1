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

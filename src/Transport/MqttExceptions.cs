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

/// <summary>
/// Some messages of a <see cref="MqttClient.PublishManyAsync(TopicName, ReadOnlyMemory{ReadOnlyMemory{byte}}, QualityOfService, bool, CancellationToken)"/>
/// batch failed; the others reached their delivery point. <see cref="Exception.InnerException"/> is the first failure
/// and <see cref="MqttClientException.Reason"/> its reason.
/// </summary>
public sealed class MqttPublishBatchException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttPublishBatchException(int count, int failed, Exception firstFailure)
        : base((firstFailure as MqttClientException)?.Reason ?? MqttCloseReason.ProtocolError,
            $"{failed} of {count} message(s) of the batch failed: {firstFailure.Message}", firstFailure)
    {
        Count = count;
        Failed = failed;
    }

    /// <summary>Messages in the batch.</summary>
    public int Count { get; }

    /// <summary>Messages of the batch that failed (not delivered at their QoS); the rest were.</summary>
    public int Failed { get; }
}

/// <summary>
/// A <see cref="MqttClient.PublishManyAsync(TopicName, ReadOnlyMemory{ReadOnlyMemory{byte}}, QualityOfService, bool, CancellationToken)"/>
/// batch was cancelled. The batch goes on the wire in order, so the messages written before the cancellation are a
/// prefix: the first <see cref="Sent"/> were written and are still delivered at their QoS (on the client's own copy
/// of their payloads), the rest were removed and are never sent.
/// </summary>
public sealed class MqttPublishBatchCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public MqttPublishBatchCanceledException(int count, int sent, CancellationToken token)
        : base($"the batch was cancelled: {sent} of {count} message(s) had been written and are still delivered, the rest are never sent", token)
    {
        Count = count;
        Sent = sent;
    }

    /// <summary>Messages in the batch.</summary>
    public int Count { get; }

    /// <summary>The first this many messages of the batch were written before the cancellation and are still delivered.</summary>
    public int Sent { get; }
}

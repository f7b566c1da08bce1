namespace ZeroDepMqtt.Sink;

/// <summary>The sink could not start; <see cref="Kind"/> says why and the message says it in plain words, naming
/// the broker. Never contains a password or passphrase.</summary>
public sealed class MqttSinkException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttSinkException(SinkErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    /// <summary>What kind of failure this is.</summary>
    public SinkErrorKind Kind { get; }
}

namespace ZeroDepMqtt.Sink;

/// <summary>One error or warning about a configuration.</summary>
/// <param name="Option">The option it concerns, as spelled in the JSON (for example <c>qos</c>), or <c>null</c>
/// for a problem with the file or document as a whole.</param>
/// <param name="Message">What is wrong and what is accepted; never contains a password or passphrase.</param>
public sealed record ConfigProblem(string? Option, string Message)
{
    /// <summary><c>option: message</c>, or the message alone when no option is concerned.</summary>
    public override string ToString() => Option is null ? Message : $"{Option}: {Message}";
}

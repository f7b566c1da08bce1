namespace ZeroDepMqtt.Cli;

/// <summary>The command line is wrong; the message says how, and the verb's help is suggested.</summary>
public sealed class UsageException(string message) : Exception(message);

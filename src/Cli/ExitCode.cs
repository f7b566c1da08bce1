namespace ZeroDepMqtt.Cli;

/// <summary>The process exit codes of <c>zdmqtt</c>, the same for every verb (docs/configuration.md lists them).</summary>
public enum ExitCode
{
    /// <summary>0: done as asked.</summary>
    Success = 0,

    /// <summary>1: anything else: bad command line, an unexpected failure.</summary>
    Failure = 1,

    /// <summary>2: the configuration file has errors (all of them are printed to stderr).</summary>
    ConfigurationError = 2,

    /// <summary>3: the broker could not be reached, or refused the connection.</summary>
    ConnectionFailed = 3,
}

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>One <c>zdmqtt</c> verb. Add a verb by writing a class here and listing it in <see cref="VerbList"/>.</summary>
public interface IVerb
{
    /// <summary>The word on the command line, e.g. <c>validate</c>.</summary>
    string Name { get; }

    /// <summary>One line for the tool's help.</summary>
    string Summary { get; }

    /// <summary>The full help text printed for <c>zdmqtt VERB --help</c>.</summary>
    string Help { get; }

    /// <summary>Runs the verb with the arguments after its name (never containing --help, which the dispatcher handles).</summary>
    /// <exception cref="UsageException">The arguments are wrong.</exception>
    ValueTask<ExitCode> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken);
}

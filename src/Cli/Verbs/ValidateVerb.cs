namespace ZeroDepMqtt.Cli.Verbs;

/// <summary><c>zdmqtt validate --config FILE</c>: checks a configuration without connecting and prints what it resolves to.</summary>
public sealed class ValidateVerb : IVerb
{
    private static readonly Dictionary<string, string> Options = new() { ["--config"] = "--config", ["-c"] = "--config" };

    /// <inheritdoc/>
    public string Name => "validate";

    /// <inheritdoc/>
    public string Summary => "check a configuration file without connecting; print the resolved settings";

    /// <inheritdoc/>
    public string Help => """
        Usage: zdmqtt validate --config <file.json>

        Reads the sink configuration (the eKuiper MQTT action options, bare or as {"mqtt": {...}}),
        checks every option and the TLS files, and prints the resolved settings with the password
        and key passphrase masked. Does not connect to the broker.

        Options:
          -c, --config <file>   the configuration file (JSON, UTF-8, at most 1 MiB);
                                relative TLS file paths start at the working directory
          -h, --help            show this help

        Output: the resolved settings on stdout; every warning and error on stderr.
        Exit codes: 0 valid, 2 configuration errors, 1 bad command line.
        """;

    /// <inheritdoc/>
    public ValueTask<ExitCode> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        var reader = new ArgReader(Name, args, Options);
        string path = reader.Required(Name, "--config");
        var settings = ConfigReport.Load(path, console, console.Error);
        if (settings is null) return ValueTask.FromResult(ExitCode.ConfigurationError);
        console.Out.Write(settings.Describe());
        console.Out.WriteLine($"{path}: valid (not connected)");
        return ValueTask.FromResult(ExitCode.Success);
    }
}

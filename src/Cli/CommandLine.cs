using System.Reflection;
using ZeroDepMqtt.Cli.Verbs;

namespace ZeroDepMqtt.Cli;

/// <summary>Dispatches <c>zdmqtt VERB ...</c>; handles help and turns every failure into a one-line message and an exit code.</summary>
public static class CommandLine
{
    /// <summary>Runs the command line; never throws for bad input.</summary>
    public static async ValueTask<ExitCode> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        try
        {
            if (args.Length == 0) { console.Error.Write(ToolHelp()); return ExitCode.Failure; }
            if (IsHelp(args[0]) || args[0] == "help")
            {
                if (args.Length > 1 && VerbList.Find(args[1]) is { } helped) { console.Out.Write(VerbHelp(helped)); return ExitCode.Success; }
                console.Out.Write(ToolHelp());
                return ExitCode.Success;
            }
            if (args[0] == "--version") { console.Out.WriteLine($"zdmqtt {Version()}"); return ExitCode.Success; }
            var verb = VerbList.Find(args[0]);
            if (verb is null) throw new UsageException($"unknown command \"{args[0]}\"; commands: {string.Join(", ", VerbList.All.Select(v => v.Name))}");
            var rest = args[1..];
            if (Array.Exists(rest, IsHelp)) { console.Out.Write(VerbHelp(verb)); return ExitCode.Success; }
            try
            {
                return await verb.RunAsync(rest, console, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException e)
            {
                console.Error.WriteLine($"zdmqtt: {e.Message}");
                console.Error.WriteLine($"Run 'zdmqtt {verb.Name} --help' for usage.");
                return ExitCode.Failure;
            }
        }
        catch (UsageException e)
        {
            console.Error.WriteLine($"zdmqtt: {e.Message}");
            console.Error.WriteLine("Run 'zdmqtt --help' for usage.");
            return ExitCode.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.Error.WriteLine("zdmqtt: cancelled");
            return ExitCode.Failure;
        }
        catch (Exception e)
        {
            // Last line of defence: one line, no stack trace, whatever went wrong.
            console.Error.WriteLine($"zdmqtt: unexpected error: {e.Message}");
            return ExitCode.Failure;
        }
    }

    private static bool IsHelp(string arg) => arg is "--help" or "-h" or "-?";

    private static string VerbHelp(IVerb verb) => verb.Help.TrimEnd() + Environment.NewLine;

    internal static string ToolHelp()
    {
        var lines = new List<string>
        {
            "zdmqtt: publish messages to an MQTT 3.1/3.1.1 broker, configured with the eKuiper MQTT action options.",
            "",
            "Usage: zdmqtt <command> [options]",
            "",
            "Commands:",
        };
        foreach (var verb in VerbList.All) lines.Add($"  {verb.Name,-12}{verb.Summary}");
        lines.AddRange(
        [
            "",
            "Options:",
            "  -h, --help  show help (also: zdmqtt <command> --help)",
            "  --version   show the version",
            "",
            "Exit codes: 0 success, 1 other failure (e.g. bad command line), 2 configuration error, 3 could not connect,",
            "  130/143 stopped by SIGINT/SIGTERM.",
            "Options reference: docs/configuration.md",
        ]);
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }

    private static string Version()
        => typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}

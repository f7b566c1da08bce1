namespace ZeroDepMqtt.Cli;

/// <summary>The streams a verb talks to; tests pass string writers, <see cref="System"/> is the real console.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In)
{
    /// <summary>Opens standard input as bytes, so input lines are read exactly as written. When null, verbs read
    /// <see cref="In"/> as text (lines end at <c>\n</c>, <c>\r\n</c> or <c>\r</c>) and encode each line as UTF-8.</summary>
    public Func<Stream>? OpenInput { get; init; }

    /// <summary>Whether <see cref="Error"/> is a terminal (progress is shown there by default then).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The process's stdout, stderr and stdin.</summary>
    public static CliConsole System => new(Console.Out, new SafeWriter(Console.Error), Console.In)
    {
        OpenInput = Console.OpenStandardInput,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };
}

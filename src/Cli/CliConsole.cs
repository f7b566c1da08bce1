namespace ZeroDepMqtt.Cli;

/// <summary>The streams a verb talks to; tests pass string writers, <see cref="System"/> is the real console.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In)
{
    /// <summary>The process's stdout, stderr and stdin.</summary>
    public static CliConsole System => new(Console.Out, Console.Error, Console.In);
}

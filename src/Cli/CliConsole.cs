namespace ZeroDepMqtt.Cli;

/// <summary>The streams a verb talks to; tests pass string writers, <see cref="System"/> is the real console.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In)
{
    /// <summary>Opens standard input as bytes, so input lines are read exactly as written. When null, verbs read
    /// <see cref="In"/> as text (lines end at <c>\n</c>, <c>\r\n</c> or <c>\r</c>) and encode each line as UTF-8.</summary>
    public Func<Stream>? OpenInput { get; init; }

    /// <summary>Whether <see cref="Error"/> is a terminal (progress is shown there by default then).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Whether standard input was closed when the process started (<c>&lt;&amp;-</c>): there is nothing to
    /// read, and descriptor 0 belongs to the runtime, so it must never be read.</summary>
    public bool InputClosed { get; init; }

    /// <summary>The process's stdout, stderr and stdin. A stream closed at start is replaced by nothing (writes are
    /// dropped, <see cref="InputClosed"/> is set): its descriptor now belongs to the runtime (under Native AOT
    /// descriptor 2 is then a copy of stdout). Writes to a stream that breaks later are dropped too; the exit code
    /// still tells the outcome.</summary>
    public static CliConsole System
    {
        get
        {
            bool inClosed = StandardStreams.ClosedAtStart(0), outClosed = StandardStreams.ClosedAtStart(1), errClosed = StandardStreams.ClosedAtStart(2);
            return new(outClosed ? TextWriter.Null : new SafeWriter(Console.Out), errClosed ? TextWriter.Null : new SafeWriter(Console.Error),
                inClosed ? TextReader.Null : Console.In)
            {
                OpenInput = inClosed ? null : Console.OpenStandardInput,
                InputClosed = inClosed,
                ErrorIsTerminal = !errClosed && !Console.IsErrorRedirected,
            };
        }
    }
}

namespace ZeroDepMqtt.Cli;

/// <summary>The <c>zdmqtt</c> entry point.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns its <see cref="ExitCode"/>.</summary>
    public static int Main(string[] args)
    {
        try
        {
            using var cancel = new CancellationTokenSource();
            // The first Ctrl-C stops reading and flushes what is in flight; a second one ends the process at once.
            Console.CancelKeyPress += (_, e) =>
            {
                if (cancel.IsCancellationRequested) return;
                e.Cancel = true;
                cancel.Cancel();
            };
            return (int)CommandLine.RunAsync(args, CliConsole.System, cancel.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"zdmqtt: unexpected error: {e.Message}");
            return (int)ExitCode.Failure;
        }
    }
}

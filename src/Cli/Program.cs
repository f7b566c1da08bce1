using System.Runtime.InteropServices;

namespace ZeroDepMqtt.Cli;

/// <summary>The <c>zdmqtt</c> entry point.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns its <see cref="ExitCode"/>, or 128 + the signal number when SIGINT
    /// or SIGTERM stopped a run that had not finished (130, 143: what shells report for a process a signal ended).</summary>
    public static int Main(string[] args)
    {
        var console = CliConsole.System;
        try
        {
            using var cancel = new CancellationTokenSource();
            int signalled = 0;
            // The first SIGINT or SIGTERM stops reading and waits a bounded time for what is in flight; a second one
            // ends the process at once (the default action, not cancelled).
            void OnSignal(PosixSignalContext context)
            {
                if (Interlocked.CompareExchange(ref signalled, context.Signal == PosixSignal.SIGTERM ? 15 : 2, 0) != 0) return;
                context.Cancel = true;
                cancel.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            var code = CommandLine.RunAsync(args, console, cancel.Token).AsTask().GetAwaiter().GetResult();
            int signal = Volatile.Read(ref signalled);
            return signal != 0 && code != ExitCode.Success ? 128 + signal : (int)code;
        }
        catch (Exception e)
        {
            console.Error.WriteLine($"zdmqtt: unexpected error: {e.Message}");
            return (int)ExitCode.Failure;
        }
    }
}

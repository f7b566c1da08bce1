using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ZeroDepMqtt.TestSupport;

/// <summary>Stopping a broker started as a child process, by its process id. Shared by every test broker.</summary>
public static class ChildProcess
{
    private const int Sigterm = 15;

    /// <summary>
    /// SIGTERM, so the broker can close cleanly (Mosquitto saves its persistence file), then SIGKILL if it has not
    /// exited within 10 s; waits for the exit and disposes the process.
    /// </summary>
    public static async Task TerminateAsync(Process process)
    {
        if (!process.HasExited && Kill(process.Id, Sigterm) != 0) process.Kill();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

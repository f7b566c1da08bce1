using System.Diagnostics;
using System.Text;
using ZeroDepMqtt.Cli;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>What one zdmqtt run printed and returned.</summary>
public sealed record ZdmqttRun(int Code, string Out, string Err)
{
    public string All => Out + Err;

    public override string ToString() => $"exit {Code}\n--- stdout ---\n{Out}--- stderr ---\n{Err}";
}

/// <summary>Runs zdmqtt in-process (fast; stdin as a byte stream) or as the real built program in a working directory.</summary>
public static class Zdmqtt
{
    public static async Task<ZdmqttRun> InProcessAsync(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        byte[] input = Encoding.UTF8.GetBytes(stdin);
        var console = new CliConsole(stdout, stderr, new StringReader("")) { OpenInput = () => new MemoryStream(input) };
        var code = await CommandLine.RunAsync(args, console).AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        return new ZdmqttRun((int)code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>dotnet zdmqtt.dll</c> (the build next to the tests) with <paramref name="stdin"/> piped in.</summary>
    public static Task<ZdmqttRun> ProcessAsync(string workingDirectory, string stdin, params string[] args)
        => ProcessAsync(workingDirectory, stdin, TimeSpan.FromMinutes(1), args);

    /// <summary>As <see cref="ProcessAsync(string, string, string[])"/>, killed as hung after <paramref name="hangGuard"/>.</summary>
    public static async Task<ZdmqttRun> ProcessAsync(string workingDirectory, string stdin, TimeSpan hangGuard, params string[] args)
    {
        using var process = Process.Start(ZdmqttProcess.StartInfo(workingDirectory, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(stdin));
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(hangGuard);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }
        return new ZdmqttRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs <c>dotnet zdmqtt.dll ARGS</c> through bash with <paramref name="redirections"/> (e.g. <c>&lt;&amp;-</c>,
    /// <c>2&gt;&amp;-</c>) applied to it, so that it starts with a standard stream closed, as a shell user would.</summary>
    public static async Task<ZdmqttRun> ShellAsync(string workingDirectory, string stdin, string redirections, params string[] args)
    {
        var start = ZdmqttProcess.StartInfo(workingDirectory, []);
        string dll = start.ArgumentList[0];
        start.FileName = "bash";
        start.ArgumentList.Clear();
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec dotnet \"$0\" \"$@\" {redirections}");
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(stdin));
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // stdin closed by the redirection: nothing reads the pipe
        }
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"zdmqtt {string.Join(' ', args)} {redirections} did not exit within a minute");
        }
        return new ZdmqttRun(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A running <c>zdmqtt</c> (the real built program) whose stdin stays open until the test closes it, so a
/// test can feed lines while it watches the broker, then signal, kill or end the input.</summary>
public sealed class ZdmqttProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout, _stderr;

    private ZdmqttProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    internal static ProcessStartInfo StartInfo(string workingDirectory, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "zdmqtt.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>Starts <c>dotnet zdmqtt.dll ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    public static ZdmqttProcess Start(string workingDirectory, params string[] args)
    {
        return new ZdmqttProcess(Process.Start(StartInfo(workingDirectory, args))!);
    }

    /// <summary>Writes lines to stdin; false once the process stopped reading (the pipe is closed).</summary>
    public async Task<bool> WriteLinesAsync(IEnumerable<string> lines)
    {
        try
        {
            await _process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
            await _process.StandardInput.BaseStream.FlushAsync();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void CloseInput()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { }
    }

    /// <summary>Sends a POSIX signal (2 SIGINT, 9 SIGKILL, 15 SIGTERM) to the process.</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    /// <summary>Waits for the exit (a hang guard: after <paramref name="timeout"/> the process is killed and the test fails).</summary>
    public async Task<ZdmqttRun> WaitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
            throw new TimeoutException($"zdmqtt did not exit within {timeout.TotalSeconds} s; stderr so far:\n{await _stderr}");
        }
        return new ZdmqttRun(_process.ExitCode, await _stdout, await _stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

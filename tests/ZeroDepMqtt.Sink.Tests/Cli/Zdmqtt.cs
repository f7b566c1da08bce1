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
    public static async Task<ZdmqttRun> ProcessAsync(string workingDirectory, string stdin, params string[] args)
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
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(stdin));
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }
        return new ZdmqttRun(process.ExitCode, await stdout, await stderr);
    }
}

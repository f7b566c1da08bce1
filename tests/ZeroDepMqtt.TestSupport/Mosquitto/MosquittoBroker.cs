using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ZeroDepMqtt.TestSupport;

/// <summary>A real Mosquitto (<c>/usr/sbin/mosquitto</c>) on 127.0.0.1 and a free port, with a generated config and
/// its own folder (config, log, password file, persistence). Stopped by process id. Use it alone
/// (<c>await using var broker = await MosquittoBroker.StartAsync(...)</c>) or through a <see cref="MosquittoFixture"/>.</summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    /// <summary>Where Debian installs the broker: <see cref="MosquittoOptions.Executable"/> unless set.</summary>
    public const string DefaultExecutable = "/usr/sbin/mosquitto";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private const int StartAttempts = 5;

    private readonly StringBuilder _stderr = new();
    private Process? _process;

    private MosquittoBroker(MosquittoOptions options, string directory)
    {
        Options = options;
        Directory = directory;
        ConfigPath = Path.Combine(directory, "mosquitto.conf");
        LogPath = Path.Combine(directory, "mosquitto.log");
        PasswordFilePath = options.Users is null ? null : Path.Combine(directory, "passwords");
    }

    /// <summary>The options the broker was made with.</summary>
    public MosquittoOptions Options { get; }

    /// <summary>The broker's folder.</summary>
    public string Directory { get; }

    /// <summary>The generated config file.</summary>
    public string ConfigPath { get; }

    /// <summary>The broker's log file, kept (appended) across restarts.</summary>
    public string LogPath { get; }

    /// <summary>The password file, when <see cref="MosquittoOptions.Users"/> is set.</summary>
    public string? PasswordFilePath { get; }

    /// <summary>The loopback address the listener is bound to.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The listener's port; the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>The running broker's process id, or null while stopped.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Whether the listener speaks TLS.</summary>
    public bool UsesTls => Options.Tls != MosquittoTls.None;

    /// <summary>Starts a broker and waits until its port accepts connections.</summary>
    public static async Task<MosquittoBroker> StartAsync(MosquittoOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= MosquittoOptions.Plain;
        // A bare name is looked up on PATH by Process.Start.
        if (Path.IsPathRooted(options.Executable) && !File.Exists(options.Executable))
            throw new InvalidOperationException($"{options.Executable} is not installed (apt-get install mosquitto)");
        var broker = new MosquittoBroker(options, System.IO.Directory.CreateTempSubdirectory("zdmqtt-mosquitto-").FullName);
        try
        {
            if (options.Users is { } users) await MosquittoPasswd.CreateAsync(broker.PasswordFilePath!, users, cancellationToken);
            for (int attempt = 1; ; attempt++)
            {
                // Another test process may pick the same port at the same moment (LoopbackPorts): retry on another.
                broker.Port = LoopbackPorts.Reserve();
                File.WriteAllText(broker.ConfigPath, MosquittoConfig.Write(broker));
                if (await broker.TryStartAsync(cancellationToken)) return broker;
                if (attempt == StartAttempts || !broker.FailedToBind())
                    throw new InvalidOperationException($"mosquitto did not start on port {broker.Port}.\n{broker.LogTail()}");
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the broker cleanly (SIGTERM: it saves its persistence file) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        await ChildProcess.TerminateAsync(process);
        _process = null;
    }

    /// <summary>Kills the broker with SIGKILL: no goodbye to clients, no last save.</summary>
    public async Task Kill9Async()
    {
        if (_process is not { } process) return;
        if (!process.HasExited) process.Kill(); // SIGKILL on Unix
        await process.WaitForExitAsync();
        process.Dispose();
        _process = null;
    }

    /// <summary>Starts the stopped (or killed) broker again on the same port with the same config and data.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not null) throw new InvalidOperationException("the broker is running; stop it first");
        if (!await TryStartAsync(cancellationToken))
            throw new InvalidOperationException($"mosquitto did not start again on port {Port}.\n{LogTail()}");
    }

    /// <summary>Stops the broker cleanly and starts it again on the same port.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAgainAsync(cancellationToken);
    }

    /// <summary>The whole log so far (the log file, then what the process wrote to stderr).</summary>
    public string ReadLog()
    {
        string log = "";
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            log = new StreamReader(stream).ReadToEnd();
        }
        catch (FileNotFoundException) { }
        catch (DirectoryNotFoundException) { }
        lock (_stderr) return _stderr.Length == 0 ? log : log + "--- stderr ---\n" + _stderr;
    }

    /// <summary>The last <paramref name="lines"/> lines of the log, headed by the config file; for test output on failure.</summary>
    public string LogTail(int lines = 60)
    {
        var all = ReadLog().Split('\n');
        string config = File.Exists(ConfigPath) ? File.ReadAllText(ConfigPath) : "(no config)";
        return $"--- mosquitto.conf ({ConfigPath}) ---\n{config}--- last {lines} log lines ({LogPath}) ---\n"
             + string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>Stops the broker and deletes its folder (kept when ZDMQTT_KEEP_BROKER_FILES=1).</summary>
    public async ValueTask DisposeAsync()
    {
        await Kill9Async();
        if (Environment.GetEnvironmentVariable("ZDMQTT_KEEP_BROKER_FILES") != "1")
        {
            try { System.IO.Directory.Delete(Directory, true); }
            catch (IOException) { }
        }
    }

    private async Task<bool> TryStartAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Options.Executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ConfigPath);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) break;
            // Something else answering on the port (another process's listener that won the race) is not our broker:
            // Mosquitto then logs the failed bind and exits.
            if (await AcceptsAsync(cancellationToken) && !process.HasExited && !FailedToBind()) return true;
            await Task.Delay(25, cancellationToken); // polling interval, not synchronisation: the connect decides
        }
        await Kill9Async();
        return false;
    }

    private async Task<bool> AcceptsAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            return true;
        }
        catch (SocketException) { return false; }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { return false; }
    }

    private bool FailedToBind() => ReadLog().Contains("Address already in use", StringComparison.OrdinalIgnoreCase);

    [DllImport("libc", EntryPoint = "geteuid")]
    internal static extern uint GetEffectiveUserId();
}

using System.Diagnostics;
using System.Text;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>aedes 1.2.0 as a child process (<c>node aedes/aedes-broker.js PORT [USER PASSWORD]</c>) with aedes' default
/// in-memory persistence. Stopped by process id with SIGTERM; its stdin is a pipe from this process, so it also exits
/// when this process dies. With <paramref name="webSocket"/>, it serves MQTT over WebSocket (the npm <c>ws</c> package) instead of TCP.
/// <paramref name="environment"/> adds variables the script reads (<c>AEDES_SAS_KEY</c>: check Azure SAS tokens).</summary>
public sealed class AedesBroker(BrokerCredentials? credentials, AedesWebSocket? webSocket = null, IReadOnlyDictionary<string, string>? environment = null) : IBrokerUnderTest
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private const int StartAttempts = 5;
    private readonly StringBuilder _output = new();
    private Process? _process;
    private int _port;

    /// <inheritdoc/>
    public string Name => $"aedes {AedesInstall.Version}{webSocket switch { null => "", { CertificatePath: null } => " over ws", _ => " over wss" }}";

    /// <inheritdoc/>
    public int Port => _port != 0 ? _port : throw new InvalidOperationException("aedes has not been started");

    /// <summary>aedes reads protocol levels 3 and 4 (lib/handlers/connect.js answers 1 only outside 3..4) and, for
    /// level 3, refuses client ids over 23 characters with return code 2, as MQTT 3.1 says.</summary>
    public bool SupportsV310 => true;

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not null) throw new InvalidOperationException("aedes is running; stop it first");
        string node = await AedesInstall.EnsureAsync(cancellationToken);
        bool firstStart = _port == 0;
        for (int attempt = 1; ; attempt++)
        {
            if (firstStart) _port = LoopbackPorts.Reserve();
            if (await TryStartAsync(node, cancellationToken)) return;
            // Another test process may pick the same port at the same moment (LoopbackPorts): on the first start, try another.
            if (!firstStart || attempt == StartAttempts || !Output().Contains("EADDRINUSE", StringComparison.Ordinal))
                throw new InvalidOperationException($"aedes did not start on port {_port}.\n{LogTail()}");
        }
    }

    /// <inheritdoc/>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        await ChildProcess.TerminateAsync(process);
    }

    /// <inheritdoc/>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public string LogTail(int lines = 60)
        => $"--- {Name} (node {AedesInstall.Script} {_port}{(credentials is null ? "" : " <user> <password>")}), last {lines} lines ---\n"
         + string.Join('\n', Output().Split('\n').TakeLast(lines));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <inheritdoc/>
    public override string ToString() => Name;

    private string Output()
    {
        lock (_output) return _output.ToString();
    }

    private async Task<bool> TryStartAsync(string node, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(node)
        {
            WorkingDirectory = AedesInstall.Directory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(AedesInstall.Script);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        if (webSocket is not null)
        {
            info.Environment["AEDES_WS_PATH"] = webSocket.Path;
            if (webSocket.CertificatePath is not null)
            {
                info.Environment["AEDES_TLS_CERT"] = webSocket.CertificatePath;
                info.Environment["AEDES_TLS_KEY"] = webSocket.KeyPath;
            }
            if (webSocket.ClientCaPath is not null) info.Environment["AEDES_TLS_CA"] = webSocket.ClientCaPath;
        }
        info.ArgumentList.Add(_port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (credentials is not null)
        {
            // Arguments, not a file: the password is visible to `ps` on this test machine, which is fine for a test user.
            info.ArgumentList.Add(credentials.UserName);
            info.ArgumentList.Add(credentials.Password);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null for node");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (await LoopbackPorts.WaitUntilAcceptsAsync(_port, StartTimeout, () => process.HasExited, cancellationToken)) return true;
        await StopAsync();
        return false;
    }
}

/// <summary>aedes over WebSocket: the path it serves, and for wss its PEM certificate and key, and the CA whose client
/// certificates it requires (null: none asked for).</summary>
public sealed record AedesWebSocket(string Path = "/mqtt", string? CertificatePath = null, string? KeyPath = null, string? ClientCaPath = null);

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>
/// One RabbitMQ node (Debian 12's rabbitmq-server 3.10 with the <c>rabbitmq_mqtt</c> and <c>rabbitmq_web_mqtt</c>
/// plugins) as a child process: its own node name, ports (AMQP, Erlang distribution, MQTT, MQTT over WebSocket),
/// config file, plugins file, mnesia and log folders under a temp folder, and an Erlang cookie in a HOME of its own
/// (shared by the nodes of one cluster). Started with <c>/usr/lib/rabbitmq/bin/rabbitmq-server</c> directly, so it runs
/// as the current user and does not touch /var/lib/rabbitmq. Stopped by process id: SIGTERM to the server script
/// (which runs <c>rabbitmqctl stop</c>), or SIGKILL to the Erlang VM for a crash. epmd, started by the first node,
/// stays running, as it does for every Erlang program.
/// </summary>
public sealed class RabbitMqNode : IBrokerUnderTest
{
    /// <summary>The Debian package's version.</summary>
    public const string Version = "3.10.8";

    private const string Bin = "/usr/lib/rabbitmq/bin";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly StringBuilder _output = new();
    private readonly BrokerCredentials? _credentials;
    private readonly string _home;
    private Process? _process;

    /// <summary>A stopped node. <paramref name="home"/> holds the Erlang cookie; nodes that will cluster share one.</summary>
    public RabbitMqNode(BrokerCredentials? credentials = null, string? home = null, string? nodeName = null)
    {
        _credentials = credentials;
        Directory = System.IO.Directory.CreateTempSubdirectory("zdmqtt-rabbitmq-").FullName;
        _home = home ?? Path.Combine(Directory, "home");
        System.IO.Directory.CreateDirectory(_home);
        // Unique per test run: two sessions on one machine share epmd, which knows nodes by name.
        NodeName = nodeName ?? $"zdm{Guid.NewGuid().ToString("N")[..8]}@localhost";
    }

    /// <summary>Whether Debian's rabbitmq-server is installed; null when it is, else why the RabbitMQ cases cannot run.</summary>
    public static string? MissingReason => File.Exists(Path.Combine(Bin, "rabbitmq-server"))
        ? null
        : $"{Bin}/rabbitmq-server is missing: apt-get install rabbitmq-server (Debian 12 ships {Version} with the MQTT plugins)";

    /// <inheritdoc/>
    public string Name => $"RabbitMQ {Version}";

    /// <summary>The Erlang node name, <c>name@localhost</c>.</summary>
    public string NodeName { get; }

    /// <summary>The node's folder (config, mnesia, logs).</summary>
    public string Directory { get; }

    /// <inheritdoc/>
    public int Port { get; private set; }

    /// <summary>The <c>rabbitmq_web_mqtt</c> port; MQTT over WebSocket on path <c>/ws</c>.</summary>
    public int WebSocketPort { get; private set; }

    /// <summary>The WebSocket path <c>rabbitmq_web_mqtt</c> serves (its default; not the <c>/mqtt</c> others use).</summary>
    public const string WebSocketPath = "/ws";

    /// <summary>RabbitMQ accepts protocol levels 3 and 4.</summary>
    public bool SupportsV310 => true;

    /// <summary>The Erlang VM's process id while running.</summary>
    public int? VmProcessId { get; private set; }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not null) throw new InvalidOperationException($"{NodeName} is running; stop it first");
        if (MissingReason is { } missing) throw new InvalidOperationException(missing);
        if (Port == 0)
        {
            Port = LoopbackPorts.Reserve();
            WebSocketPort = LoopbackPorts.Reserve();
            _amqpPort = LoopbackPorts.Reserve();
            _distPort = LoopbackPorts.Reserve();
            WriteConfig();
        }
        var info = new ProcessStartInfo(Path.Combine(Bin, "rabbitmq-server"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Directory,
        };
        SetEnvironment(info);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null for rabbitmq-server");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data is null ? null : "stderr: " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        // Both MQTT listeners open after the plugins started; the WebSocket one last.
        bool up = await LoopbackPorts.WaitUntilAcceptsAsync(Port, StartTimeout, () => process.HasExited, cancellationToken)
               && await LoopbackPorts.WaitUntilAcceptsAsync(WebSocketPort, StartTimeout, () => process.HasExited, cancellationToken);
        if (!up)
        {
            await StopAsync();
            throw new InvalidOperationException($"{NodeName} did not open MQTT port {Port} and WebSocket port {WebSocketPort} within {StartTimeout.TotalSeconds} s.\n{LogTail()}");
        }
        VmProcessId = ReadVmPid();
        if (_credentials is { } c && !_usersAdded)
        {
            await CtlAsync(["add_user", c.UserName, c.Password], cancellationToken);
            await CtlAsync(["set_permissions", "-p", "/", c.UserName, ".*", ".*", ".*"], cancellationToken);
            _usersAdded = true;
        }
    }

    /// <inheritdoc/>
    public async Task StopAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        int? vm = VmProcessId;
        await ChildProcess.TerminateAsync(process);
        // The script's TERM handler stops the VM; if the script had to be killed, the VM must not outlive it.
        if (vm is { } pid && IsAlive(pid)) _ = Kill(pid, Sigkill);
        VmProcessId = null;
    }

    /// <summary>Kills the Erlang VM with SIGKILL (a crash: nothing is flushed) and waits for the script to exit.</summary>
    public async Task Kill9Async()
    {
        if (_process is not { } process || VmProcessId is not { } pid) throw new InvalidOperationException($"{NodeName} is not running");
        _ = Kill(pid, Sigkill);
        await ChildProcess.TerminateAsync(process);
        _process = null;
        VmProcessId = null;
    }

    /// <inheritdoc/>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAsync(cancellationToken);
    }

    /// <summary>Runs <c>rabbitmqctl -n NODE args</c> with this node's cookie; throws with its output when it fails.</summary>
    public async Task<string> CtlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(Path.Combine(Bin, "rabbitmqctl")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        SetEnvironment(info);
        info.ArgumentList.Add("-n");
        info.ArgumentList.Add(NodeName);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null for rabbitmqctl");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout + await stderr;
        // add_user's arguments hold the password: never echo them.
        string shown = args[0] == "add_user" ? "add_user <user> <password>" : string.Join(' ', args);
        if (process.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl -n {NodeName} {shown} exited {process.ExitCode}:\n{output}");
        return output;
    }

    /// <summary>Makes this (running, fresh) node join <paramref name="other"/>'s cluster: stop_app, join_cluster, start_app.</summary>
    public async Task JoinAsync(RabbitMqNode other, CancellationToken cancellationToken = default)
    {
        await CtlAsync(["stop_app"], cancellationToken);
        await CtlAsync(["join_cluster", other.NodeName], cancellationToken);
        await CtlAsync(["start_app"], cancellationToken);
        if (!await LoopbackPorts.WaitUntilAcceptsAsync(Port, StartTimeout, () => _process?.HasExited ?? true, cancellationToken))
            throw new InvalidOperationException($"{NodeName} did not reopen MQTT port {Port} after joining {other.NodeName}.\n{LogTail()}");
    }

    /// <inheritdoc/>
    public string LogTail(int lines = 60)
        => $"--- {Name} node {NodeName} (MQTT {Port}, WebSocket {WebSocketPort}), last {lines} lines ---\n"
         + string.Join('\n', Output().Split('\n').Where(l => !l.Contains("Raft leader election", StringComparison.Ordinal)).TakeLast(lines));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private int _amqpPort;
    private int _distPort;
    private bool _usersAdded;

    private void WriteConfig()
    {
        string I(int n) => n.ToString(CultureInfo.InvariantCulture);
        var conf = new StringBuilder()
            .Append("listeners.tcp.default = 127.0.0.1:").Append(I(_amqpPort)).Append('\n')
            .Append("mqtt.listeners.tcp.default = 127.0.0.1:").Append(I(Port)).Append('\n')
            .Append("web_mqtt.tcp.ip = 127.0.0.1\n")
            .Append("web_mqtt.tcp.port = ").Append(I(WebSocketPort)).Append('\n')
            .Append("mqtt.allow_anonymous = ").Append(_credentials is null ? "true" : "false").Append('\n')
            .Append("loopback_users = none\n")
            // Messages for an offline durable subscriber stay queued (the cluster test's subscriber on the other node).
            .Append("mqtt.subscription_ttl = 3600000\n");
        File.WriteAllText(Path.Combine(Directory, "rabbitmq.conf"), conf.ToString());
        File.WriteAllText(Path.Combine(Directory, "enabled_plugins"), "[rabbitmq_mqtt,rabbitmq_web_mqtt].\n");
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "mnesia"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "log"));
    }

    private void SetEnvironment(ProcessStartInfo info)
    {
        info.Environment["HOME"] = _home;   // the Erlang cookie lives in $HOME/.erlang.cookie
        info.Environment["RABBITMQ_NODENAME"] = NodeName;
        info.Environment["RABBITMQ_NODE_PORT"] = _amqpPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["RABBITMQ_DIST_PORT"] = _distPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(Directory, "rabbitmq.conf");
        info.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(Directory, "enabled_plugins");
        info.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(Directory, "mnesia");
        info.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(Directory, "log");
        info.Environment["RABBITMQ_LOGS"] = "-";
        info.Environment["RABBITMQ_PID_FILE"] = Path.Combine(Directory, "node.pid");
    }

    private int? ReadVmPid()
    {
        string path = Path.Combine(Directory, "node.pid");
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private string Output()
    {
        lock (_output) return _output.ToString();
    }

    private const int Sigkill = 9;

    private static bool IsAlive(int pid) => Kill(pid, 0) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ZeroDepMqtt.Transport.Connections;

namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// Debian's tinyproxy (1.11) as an HTTP CONNECT proxy on a free loopback port, with a generated config and its log on
/// stdout (<c>-d</c>); stopped by process id. <see cref="Tunnels"/> counts the CONNECT requests it logged, which is how a
/// test knows its connection really went through the proxy.
/// </summary>
public sealed class TinyproxyServer : IAsyncDisposable
{
    /// <summary>Where Debian installs it.</summary>
    public const string Executable = "/usr/bin/tinyproxy";

    private readonly StringBuilder _log = new();
    private readonly Process _process;
    private readonly string _directory;
    private int _disposed;

    private TinyproxyServer(Process process, string directory, int port, string? user, string? password)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Proxy = new HttpProxy("127.0.0.1", port, user, password);
    }

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The proxy as the client takes it, with the credentials when it requires them.</summary>
    public HttpProxy Proxy { get; }

    /// <summary>How many CONNECT requests the proxy has logged so far.</summary>
    public int Tunnels => Log.Split('\n').Count(l => l.Contains("Request (file descriptor", StringComparison.Ordinal) && l.Contains("CONNECT", StringComparison.Ordinal));

    /// <summary>The proxy's log so far.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Starts a proxy. <paramref name="connectPorts"/> limits the ports CONNECT may reach (tinyproxy answers
    /// 403 for others; none given: every port); <paramref name="user"/>/<paramref name="password"/> make it require Basic
    /// proxy authentication (407 otherwise).</summary>
    public static async Task<TinyproxyServer> StartAsync(IEnumerable<int>? connectPorts = null, string? user = null, string? password = null)
    {
        if (!File.Exists(Executable)) throw new InvalidOperationException($"{Executable} is missing: apt-get install tinyproxy");
        string directory = Directory.CreateTempSubdirectory("zdmqtt-tinyproxy-").FullName;
        for (int attempt = 1; ; attempt++)
        {
            int port = LoopbackPorts.Reserve();
            var config = new StringBuilder()
                .Append("Port ").Append(port.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append("Listen 127.0.0.1\nTimeout 60\nLogLevel Info\nMaxClients 50\n");
            foreach (int p in connectPorts ?? []) config.Append("ConnectPort ").Append(p.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (user is not null) config.Append("BasicAuth ").Append(user).Append(' ').Append(password).Append('\n');
            string path = Path.Combine(directory, "tinyproxy.conf");
            await File.WriteAllTextAsync(path, config.ToString());

            var info = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-d", "-c", path }) info.ArgumentList.Add(arg);
            var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null for tinyproxy");
            var server = new TinyproxyServer(process, directory, port, user, password);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await AcceptsAsync(port, process)) return server;
            string log = server.Log;
            await server.DisposeAsync();
            if (attempt == 5 || !log.Contains("Address already in use", StringComparison.Ordinal))
                throw new InvalidOperationException($"tinyproxy did not start on port {port}:\n{log}");
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await ChildProcess.TerminateAsync(_process);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private static async Task<bool> AcceptsAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                // Not listening yet: a sampling interval, not synchronisation; the deadline is a hang guard.
                await Task.Delay(20);
            }
        }
        return false;
    }
}

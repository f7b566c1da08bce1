using System.Diagnostics;
using System.Net.Sockets;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// One Mosquitto on a free loopback port with a generated config: no persistence, and no limits on queued or
/// in-flight messages, so that neither drops nor the broker's default QoS 2 window (20) shape the figures.
/// Stopped by its pid.
/// </summary>
internal sealed class MosquittoBroker : IDisposable
{
    public const string DefaultPath = "/usr/sbin/mosquitto";

    private readonly Process _process;
    private readonly string _dir;

    private MosquittoBroker(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }
    public int ProcessId => _process.Id;
    public string LogPath => Path.Combine(_dir, "mosquitto.log");

    public static MosquittoBroker Start(string executable, params string[] extraConfig)
    {
        var dir = Directory.CreateTempSubdirectory("zdmqtt-bench-").FullName;
        int port = RawMqtt.FreePort();
        var config = Path.Combine(dir, "mosquitto.conf");
        File.WriteAllText(config, string.Join('\n', (string[])[
            // Started as root, Mosquitto drops to user mosquitto, which cannot read a root-owned temp folder.
            Environment.UserName == "root" ? "user root" : "",
            $"listener {port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "max_queued_messages 0",
            "max_inflight_messages 0",
            $"log_dest file {Path.Combine(dir, "mosquitto.log")}",
            "log_type error",
            "log_type warning",
            .. extraConfig,
            ""]));
        var process = Process.Start(new ProcessStartInfo(executable, ["-c", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"cannot start {executable}");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var broker = new MosquittoBroker(process, dir, port);
        broker.WaitUntilListening();
        return broker;
    }

    private void WaitUntilListening()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process.HasExited) throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}; log: {LogPath}");
            try
            {
                using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
                probe.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }
        throw new TimeoutException($"mosquitto did not listen on port {Port} within 10 s");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

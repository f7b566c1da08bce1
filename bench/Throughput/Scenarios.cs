using System.Diagnostics;
using System.Globalization;
using System.Text;
using ZeroDepMqtt.Bench.Throughput.Workers;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// The two load shapes other than "as fast as possible": many idle-ish connections from one process, and one
/// connection at a modest steady rate for latency. Both through a Mosquitto of their own with
/// <c>max_connections -1</c> and <c>set_tcp_nodelay true</c>, each client in a child process of its own.
/// </summary>
internal static class Scenarios
{
    /// <summary>The broker of the throughput tables: no persistence and no limits on queued or in-flight messages, so
    /// that neither drops nor the broker's default QoS 2 window (20) shape the figures; only errors and warnings logged;
    /// no <c>set_tcp_nodelay</c>, as the table has always been measured.</summary>
    public static MosquittoOptions ThroughputBroker(BenchOptions o) => new()
    {
        Executable = o.Mosquitto,
        MaxQueuedMessages = 0,
        MaxInflightMessages = 0,
        TcpNoDelay = false,
        LogTypes = ["error", "warning"],
    };

    private static MosquittoOptions ScenarioBroker(BenchOptions o) => ThroughputBroker(o) with { TcpNoDelay = true, ExtraConfig = ["max_connections -1"] };

    /// <summary>Our client and MQTTnet, <paramref name="connections"/> each, publishing QoS 1 once a second for <paramref name="seconds"/>.</summary>
    public static async Task<string> ConnectionsAsync(BenchOptions o, int connections, int seconds)
    {
        await using var broker = await MosquittoBroker.StartAsync(ScenarioBroker(o));
        var sb = new StringBuilder();
        sb.AppendLine($"{connections:N0} connections from one process, each publishing 64 B at QoS 1 once a second for {seconds} s, through Mosquitto:");
        sb.AppendLine();
        sb.AppendLine("| client | connect rate (conn/s) | managed B/conn idle | RSS B/conn idle | CPU during publishing (cores) | CPU µs/msg | acked / failed | p50 µs | p99 µs | p99.9 µs |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (client, label) in new[] { ("conn-ours", "ours"), ("conn-mqttnet", "MQTTnet 5.2") })
        {
            Console.Error.WriteLine($"connections: {label}, {connections} × {seconds} s …");
            var args = new WorkerArgs(client, broker.Port, $"conn/{client}", QualityOfService.AtLeastOnce, 64, connections, seconds, 0);
            var line = RunWorker(args, "CONN", TimeSpan.FromSeconds(seconds * 6 + 600)); // generous: a starved machine stretches every phase
            if (line is null) { sb.AppendLine($"| {label} | failed | | | | | | | | |"); continue; }
            var f = line.Split(' ');
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            double messages = D(7);
            sb.AppendLine(string.Join(" | ", $"| {label}", (D(1) / D(2)).ToString("0", CultureInfo.InvariantCulture),
                D(3).ToString("N0", CultureInfo.InvariantCulture), D(4).ToString("N0", CultureInfo.InvariantCulture),
                (D(5) / D(6)).ToString("0.00", CultureInfo.InvariantCulture), (D(5) * 1e6 / Math.Max(1, messages)).ToString("0.0", CultureInfo.InvariantCulture),
                $"{f[7]} / {f[8]}", f[9], f[10], f[11]) + " |");
        }
        return sb.ToString();
    }

    /// <summary>QoS 1 at <paramref name="rate"/> msgs/s for <paramref name="seconds"/>: ours, MQTTnet, mosquitto_pub, one after another.</summary>
    public static async Task<string> LatencyAsync(BenchOptions o, int rate, int seconds)
    {
        await using var broker = await MosquittoBroker.StartAsync(ScenarioBroker(o));
        int count = rate * seconds, warmup = Math.Min(count, rate * 2);
        var sb = new StringBuilder();
        sb.AppendLine($"Latency at {rate:N0} msgs/s, QoS 1, 64 B, {count:N0} messages after {warmup:N0} of warm-up, through Mosquitto (set_tcp_nodelay true):");
        sb.AppendLine();
        sb.AppendLine("| publisher | what is timed | messages / failed | p50 µs | p99 µs | p99.9 µs |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var (client, label) in new[] { ("lat-ours", "ours"), ("lat-mqttnet", "MQTTnet 5.2") })
        {
            Console.Error.WriteLine($"latency: {label} …");
            var args = new WorkerArgs(client, broker.Port, $"lat/{client}", QualityOfService.AtLeastOnce, 64, count, rate, warmup);
            var line = RunWorker(args, "LAT", TimeSpan.FromSeconds(seconds + 120));
            var f = line?.Split(' ');
            sb.AppendLine(f is null ? $"| {label} | failed | | | | |" : $"| {label} | PublishAsync → its task completes (PUBACK) | {f[1]} / {f[2]} | {f[3]} | {f[4]} | {f[5]} |");
        }
        Console.Error.WriteLine("latency: mosquitto_pub …");
        sb.AppendLine(MosquittoPubLatency(o, broker.Port, rate, count, warmup));
        return sb.ToString();
    }

    /// <summary>
    /// mosquitto_pub reports no times, so a line (a Stopwatch timestamp) is written to its stdin when due and timed
    /// until a subscriber has it: that includes Mosquitto forwarding the message, which the PUBACK times do not.
    /// </summary>
    private static string MosquittoPubLatency(BenchOptions o, int port, int rate, int count, int warmup)
    {
        string topic = $"lat/mosquitto_pub/{Environment.ProcessId}";
        using var subscriber = CountingSubscriber.Start(port, topic, QualityOfService.AtLeastOnce);
        var psi = new ProcessStartInfo(o.MosquittoPub, ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", topic, "-q", "1", "-l", "-i", "bench-lat-mosquitto-pub"])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start mosquitto_pub");
        var stdin = p.StandardInput;
        stdin.AutoFlush = true;
        void Pace(int n)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                long due = start + (long)((double)i * Stopwatch.Frequency / rate);
                while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
                stdin.WriteLine(Stopwatch.GetTimestamp().ToString("D20", CultureInfo.InvariantCulture).PadRight(64, ' '));
            }
        }
        Pace(warmup);
        subscriber.WaitFor(warmup, TimeSpan.FromSeconds(10));
        var ages = new LatencyRecorder(count);
        subscriber.PayloadAges = ages;
        Pace(count);
        subscriber.WaitFor(warmup + count, TimeSpan.FromSeconds(10));
        stdin.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30))) p.Kill();
        var f = ages.Percentiles().Split(' ');
        return $"| mosquitto_pub -l | stdin line → a subscriber has it (includes the broker's forwarding) | {ages.Count} / {count - ages.Count} | {f[0]} | {f[1]} | {f[2]} |";
    }

    private static string? RunWorker(WorkerArgs args, string prefix, TimeSpan limit)
    {
        var psi = new ProcessStartInfo(Runner.SelfCommand()[0], [.. Runner.SelfCommand().Skip(1), .. args.ToArgs()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start a worker");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit)) { p.Kill(); p.WaitForExit(); }
        var line = stdout.Result.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix + " ", StringComparison.Ordinal));
        if (line is null) Console.Error.WriteLine($"{args.Client} failed (exit {p.ExitCode}): {stderr.Result.Split('\n').FirstOrDefault()}");
        return line;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using ZeroDepMqtt.Bench.Throughput.Workers;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// Runs one row once against its broker, on a topic of its own, the publisher as a child process. Through Mosquitto,
/// a message counts when a fresh counting subscriber has it, and the rate is messages over the time from the first
/// publish (the worker's own timestamp; for external tools, the first arrival) to the last arrival. Against the null
/// broker, a message counts when the broker has it, and the rate is the broker's: messages over first to last arrival.
/// </summary>
internal sealed class Runner(MosquittoBroker? mosquitto, NullBroker? nullBroker, BenchOptions options, Zdmqtt.Located? zdmqtt, string workDir)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(3);
    private int _runs;
    private readonly Dictionary<(int, int), string> _inputs = [];

    public RunResult Run(Row row)
    {
        string topic = $"bench/{Environment.ProcessId}/{Interlocked.Increment(ref _runs)}";
        int port = row.Broker == BrokerKind.Null ? nullBroker!.Port : mosquitto!.Port;
        using IArrivals subscriber = row.Broker == BrokerKind.Null ? nullBroker!.Track(topic, andBelow: row.Shaped) : CountingSubscriber.Start(port, topic, row.QoS);
        var brokerCpu = OwnCpu();
        var result = row.Publisher switch
        {
            Publisher.Ours => RunWorker(row.Label.StartsWith("ours batch", StringComparison.Ordinal) ? "ours-batch" : "ours", row, port, topic, subscriber),
            Publisher.MqttNet => RunWorker("mqttnet", row, port, topic, subscriber),
            Publisher.Raw => RunWorker("raw", row, port, topic, subscriber),
            Publisher.Zdmqtt => RunZdmqtt(row, port, topic, subscriber),
            Publisher.MosquittoPub => RunExternal(row, subscriber, options.MosquittoPub,
                ["-h", "127.0.0.1", "-p", Str(port), "-t", topic, "-q", Str((int)row.QoS), "-i", "bench-mosquitto-pub", "-l"], stdinFile: Input(row)),
            _ => throw new ArgumentOutOfRangeException(nameof(row)),
        };
        // The null broker runs in this process, and nothing else here works during a run.
        return row.Broker == BrokerKind.Null && result.Problem is null
            ? result with { BrokerCpuMicrosPerMessage = (OwnCpu() - brokerCpu).TotalMicroseconds / row.Count }
            : result;
    }

    private static TimeSpan OwnCpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    private RunResult RunWorker(string client, Row row, int port, string topic, IArrivals subscriber)
    {
        var args = new WorkerArgs(client, port, topic, row.QoS, row.Size, row.Count, row.Window,
            // At least two rings of window × 4 outstanding publishes (the workers' rings): the client's pools grow
            // once, to the peak that many outstanding need, and that growth belongs to the warm-up, not to the
            // steady state the alloc column reports.
            Warmup: Math.Max(Math.Min(20_000, Math.Max(1_000, row.Count / 5)), 8 * row.Window));
        var (exit, stdout, stderr) = RunChild(SelfCommand(), args.ToArgs(), null, subscriber, row.Count, out _);
        WorkerResult? result = null;
        foreach (var line in stdout.Split('\n')) result ??= WorkerResult.TryParse(line.Trim());
        if (exit != 0 || result is null) return RunResult.Failed($"worker exited {exit}: {FirstLine(stderr)}");
        if (Environment.GetEnvironmentVariable("ZDBENCH_ALLOC_TRACE") == "1") Console.Error.Write(stderr); // the sampled types
        var check = Check(row, subscriber);
        if (check is not null) return RunResult.Failed(check);
        double rate = subscriber is ArrivalTally tally ? BrokerRate(tally, out _)
            : row.Count / Stopwatch.GetElapsedTime(result.StartTimestamp, ((CountingSubscriber)subscriber).LastTimestamp).TotalSeconds;
        return new RunResult(row.Count, rate, result.Cpu.TotalMicroseconds / row.Count, false,
            (double)result.AllocatedBytes / row.Count, result.Flushes > 0 ? (double)row.Count / result.Flushes : null, null);
    }

    private RunResult RunZdmqtt(Row row, int port, string topic, IArrivals subscriber)
    {
        if (zdmqtt is null) return RunResult.Failed("n/a (zdmqtt publish not built)");
        var config = Path.Combine(workDir, $"zdmqtt-{_runs}.json");
        // Shaped: issue 14's case, a dynamic topic (one per device) and `fields` on each 64-byte JSON line.
        string shaping = row.Shaped ? $$""", "fields": ["device", "t", "h"]""" : "";
        string cacheDir = Path.Combine(workDir, $"cache-{_runs}");
        string cache = row.Cache == CacheRun.None ? "" : $$""", "enableCache": true, "cacheSync": "always", "cachePath": "{{cacheDir}}" """;
        if (row.Cache == CacheRun.DrainTwoQueues) cache += """, "resendAlterQueue": true, "resendPriority": -1""";
        string Config(int brokerPort) => $$"""
            {"server": "tcp://127.0.0.1:{{brokerPort}}", "topic": "{{topic}}{{(row.Shaped ? "/{{.device}}" : "")}}", "qos": {{(int)row.QoS}},
             "protocolVersion": "3.1.1", "clientId": "bench-zdmqtt"{{shaping}}{{cache}}}
            """;
        try
        {
            if (row.Cache is CacheRun.Drain or CacheRun.DrainTwoQueues)
            {
                // Spool: nothing listens on port 1, so every line goes into the cache and the run gives up (exit 3).
                File.WriteAllText(config, Config(1));
                var spool = Process.Start(new ProcessStartInfo(zdmqtt.Path, ["publish", "--config", config, "--input", Input(row), "--give-up-after", "10"])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
                var spoolOut = spool.StandardOutput.ReadToEndAsync();
                string spoolErr = spool.StandardError.ReadToEnd();
                spool.WaitForExit();
                _ = spoolOut.Result;
                if (spool.ExitCode != 3 || !spoolErr.Contains($"{row.Count} kept in the cache", StringComparison.Ordinal))
                    return RunResult.Failed($"spool exited {spool.ExitCode}: {LastLine(spoolErr)}");
                File.WriteAllText(config, Config(port));
                return RunExternal(row, subscriber, zdmqtt.Path, ["publish", "--config", config, "--input", "/dev/null"], stdinFile: null);
            }
            File.WriteAllText(config, Config(port));
            return RunExternal(row, subscriber, zdmqtt.Path, ["publish", "--config", config, "--input", Input(row)], stdinFile: null);
        }
        finally
        {
            if (Directory.Exists(cacheDir)) Directory.Delete(cacheDir, recursive: true);
        }
    }

    private RunResult RunExternal(Row row, IArrivals subscriber, string executable, string[] args, string? stdinFile)
    {
        var (exit, _, stderr) = RunChild(executable, args, stdinFile, subscriber, row.Count, out var cpu);
        if (exit != 0) return RunResult.Failed($"{Path.GetFileName(executable)} exited {exit}: {FirstLine(stderr)}");
        var check = Check(row, subscriber);
        if (check is not null) return RunResult.Failed(check);
        // No timestamp from inside the tool: start at the first arrival (one message's latency later than its publish).
        double rate = subscriber is CountingSubscriber s
            ? (row.Count - 1) / Stopwatch.GetElapsedTime(s.FirstTimestamp, s.LastTimestamp).TotalSeconds
            : BrokerRate((ArrivalTally)subscriber, out _);
        return new RunResult(row.Count, rate, cpu.TotalMicroseconds / row.Count, true, null, null, null);
    }

    /// <summary>The null broker's rate for the one publishing connection of a run.</summary>
    private static double BrokerRate(ArrivalTally tally, out int connections)
    {
        var all = tally.PerConnection();
        connections = all.Count;
        return all.Count == 1 ? all[0].Rate : double.NaN;
    }

    private static string? Check(Row row, IArrivals subscriber)
    {
        if (subscriber.Count < row.Count) return $"LOST {row.Count - subscriber.Count} of {row.Count}";
        if (subscriber.Count > row.Count) return $"{subscriber.Count - row.Count} extra (duplicates)";
        if (subscriber.LastPayloadLength != row.ArrivingSize) return $"payload {subscriber.LastPayloadLength} B arrived, {row.ArrivingSize} B expected";
        return null;
    }

    /// <summary>
    /// Starts a child (stdin from a file through <c>sh -c 'exec … &lt; file'</c>, so the child is still the process
    /// measured), waits for it and then for the subscriber; CPU from getrusage(RUSAGE_CHILDREN).
    /// </summary>
    internal static (int Exit, string Stdout, string Stderr) RunChild(string[] command, string[] args, string? stdinFile,
        IArrivals subscriber, long expected, out TimeSpan cpu)
    {
        ProcessStartInfo psi;
        var all = command.Skip(1).Concat(args).ToArray();
        if (stdinFile is null) psi = new ProcessStartInfo(command[0], all);
        else psi = new ProcessStartInfo("/bin/sh", ["-c", "exec \"$0\" \"$@\" < \"$STDIN_FILE\"", command[0], .. all]) { Environment = { ["STDIN_FILE"] = stdinFile } };
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var before = ChildCpu.Now();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {command[0]}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(ChildTimeout))
        {
            p.Kill();
            p.WaitForExit();
        }
        cpu = ChildCpu.Now() - before;
        subscriber.WaitFor(expected, Idle);
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static (int, string, string) RunChild(string executable, string[] args, string? stdinFile, IArrivals subscriber, long expected, out TimeSpan cpu)
        => RunChild([executable], args, stdinFile, subscriber, expected, out cpu);

    /// <summary>This tool as a command: its apphost, or <c>dotnet Throughput.dll</c>.</summary>
    internal static string[] SelfCommand()
    {
        var process = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, Assembly.GetEntryAssembly()!.Location] : [process];
    }

    /// <summary>A file of <see cref="Row.Count"/> lines, each a payload of <see cref="Row.Size"/> bytes, for the CLI tools.</summary>
    private string Input(Row row)
    {
        int key = row.Shaped ? -row.Size : row.Size;
        if (_inputs.TryGetValue((key, row.Count), out var path)) return path;
        path = Path.Combine(workDir, $"lines-{(row.Shaped ? "json-" : "")}{row.Size}-{row.Count}.txt");
        var line = new WorkerArgs("", 0, "", QualityOfService.AtMostOnce, row.Size, 0, 0, 0).Payload();
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            for (int i = 0; i < row.Count; i++)
            {
                f.Write(row.Shaped ? System.Text.Encoding.UTF8.GetBytes(Row.ShapedLine(row.Size, i).Line) : line);
                f.WriteByte((byte)'\n');
            }
        }
        _inputs[(key, row.Count)] = path;
        return path;
    }

    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "";
    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}

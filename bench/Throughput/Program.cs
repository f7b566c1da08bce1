using System.Diagnostics;
using ZeroDepMqtt.Bench.Throughput;
using ZeroDepMqtt.Bench.Throughput.Workers;
using ZeroDepMqtt.Protocol;

// A child process: one publisher, one measured phase, one RESULT line on stdout.
if (args.Length > 0 && args[0] == "--worker")
{
    var a = WorkerArgs.Parse(args);
    if (a.Client.StartsWith("conn-", StringComparison.Ordinal) || a.Client.StartsWith("lat-", StringComparison.Ordinal))
    {
        bool mqttnet = a.Client.EndsWith("mqttnet", StringComparison.Ordinal);
        Console.WriteLine(a.Client.StartsWith("conn-", StringComparison.Ordinal)
            ? await ManyConnectionsWorker.RunAsync(a, mqttnet)
            : await LatencyWorker.RunAsync(a, mqttnet));
        return 0;
    }
    var result = a.Client switch
    {
        "ours" => await OursWorker.RunAsync(a),
        "ours-batch" => await OursWorker.RunAsync(a, batched: true),
        "mqttnet" => await MqttNetWorker.RunAsync(a),
        "raw" => RawWorker.Run(a),
        _ => throw new ArgumentException($"unknown worker {a.Client}"),
    };
    Console.WriteLine(result);
    return 0;
}

// The null broker on its own, for profiling a publisher by hand: prints its port, then each connection's count and rate.
if (args.Length > 0 && args[0] == "--null-broker")
{
    using var alone = NullBroker.Start();
    string measured = args.Length > 1 ? args[1] : "bench";
    Console.WriteLine($"null broker on 127.0.0.1:{alone.Port}, counting topic \"{measured}\"; Ctrl-C ends");
    var tally = alone.Track(measured);
    for (long reported = 0; ; Thread.Sleep(1000))
    {
        if (tally.Count == reported) continue;
        reported = tally.Count;
        foreach (var (client, count, rate) in tally.PerConnection()) Console.WriteLine($"{client}: {count:N0} messages, {Report.K(rate)} msg/s");
    }
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var rows = Row.Plan(options).Where(r => options.Selects(r.Id)).ToList();
var allocRows = new List<Row>
{
    new(Publisher.Ours, QualityOfService.AtMostOnce, 64, 0, Math.Max(1000, (int)(1_000_000 * options.Scale)), "alloc/ours qos0 seq"),
    new(Publisher.Ours, QualityOfService.AtLeastOnce, 64, 256, Math.Max(1000, (int)(1_000_000 * options.Scale)), "alloc/ours qos1 w256"),
}.Where(r => options.AllocationCheck && options.Selects(r.Label)).ToList();
if (options.List)
{
    foreach (var r in rows) Console.WriteLine(r.Id);
    foreach (var r in allocRows) Console.WriteLine(r.Label);
    return 0;
}

var zdmqtt = Zdmqtt.Find(options.Zdmqtt, out var zdmqttMissing);
var total = Stopwatch.StartNew();
var workDir = Directory.CreateTempSubdirectory("zdmqtt-bench-input-").FullName;
await using var broker = rows.Any(r => r.Broker == BrokerKind.Mosquitto) || allocRows.Count > 0
    ? await MosquittoBroker.StartAsync(Scenarios.ThroughputBroker(options)) : null;
using var nullBroker = rows.Any(r => r.Broker == BrokerKind.Null) ? NullBroker.Start() : null;
Console.WriteLine((broker is null ? "" : $"Mosquitto pid {broker.ProcessId} on 127.0.0.1:{broker.Port}; ") +
    (nullBroker is null ? "" : $"null broker on 127.0.0.1:{nullBroker.Port}; ") +
    $"{Environment.ProcessorCount} cores; {rows.Count} rows × {options.Repetitions} run(s); zdmqtt: {(zdmqtt is null ? zdmqttMissing : $"{zdmqtt.Kind} {zdmqtt.Path}")}");
var runner = new Runner(broker, nullBroker, options, zdmqtt, workDir);
var results = rows.Select(r => (Row: r, Runs: new List<RunResult>())).ToList();
try
{
    // Repetitions interleave (all rows, then all rows again) so a slow spell of the machine spreads across rows.
    for (int rep = 0; rep < options.Repetitions; rep++)
    {
        foreach (var (row, runs) in results)
        {
            if (row.Publisher == Publisher.Zdmqtt && zdmqtt is null) { if (rep == 0) runs.Add(RunResult.Failed($"n/a ({zdmqttMissing})")); continue; }
            var r = runner.Run(row);
            runs.Add(r);
            Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}] {row.Id} #{rep + 1}: " +
                (r.Problem ?? $"{Report.K(r.Rate)} msg/s, {r.CpuMicrosPerMessage:0.00} µs CPU/msg"));
        }
    }

    foreach (var kind in new[] { BrokerKind.Mosquitto, BrokerKind.Null })
    {
        var part = results.Where(r => r.Row.Broker == kind).ToList();
        if (part.Count == 0) continue;
        Console.WriteLine();
        Console.WriteLine(kind == BrokerKind.Mosquitto ? "Through Mosquitto (rate at the counting subscriber):" : "Against the null broker (rate at the broker, first to last PUBLISH):");
        Console.WriteLine();
        Console.WriteLine(Report.Table(part));
    }
    foreach (var row in allocRows)
    {
        var r = runner.Run(row);
        Console.WriteLine(r.Problem is { } p
            ? $"Allocation check, {row.Label}: {p}"
            : $"Allocation check, {row.Label[6..]}, {row.Count:N0} × 64 B: {r.AllocatedBytesPerMessage:0.000} B/msg managed, {Report.K(r.Rate)} msg/s, {r.CpuMicrosPerMessage:0.00} µs CPU/msg");
    }
    if (options.Connections > 0 && options.ConnectionSeconds > 0)
    {
        Console.WriteLine();
        Console.WriteLine(await Scenarios.ConnectionsAsync(options, options.Connections, options.ConnectionSeconds));
    }
    if (options.LatencySeconds > 0)
    {
        Console.WriteLine();
        Console.WriteLine(await Scenarios.LatencyAsync(options, 1000, options.LatencySeconds));
    }
    Console.WriteLine($"Total {total.Elapsed:mm\\:ss}.");
}
finally
{
    try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
}
return 0;

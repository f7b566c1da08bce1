using System.Globalization;
using System.Text.RegularExpressions;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>The command line of the orchestrator (bench/README.md lists it).</summary>
internal sealed record BenchOptions
{
    public int Repetitions { get; init; } = 3;
    public double Scale { get; init; } = 1;
    public List<string> Filters { get; init; } = [];
    public int[] Windows { get; init; } = [256, 1024, 4096];
    public string? Zdmqtt { get; init; }
    public string Mosquitto { get; init; } = MosquittoBroker.DefaultExecutable;
    public string MosquittoPub { get; init; } = "mosquitto_pub";
    public bool AllocationCheck { get; init; } = true;
    public bool List { get; init; }
    public int Connections { get; init; } = 10_000;
    public int ConnectionSeconds { get; init; } = 60;
    public int LatencySeconds { get; init; } = 30;
    public BrokerKind[] Brokers { get; init; } = [BrokerKind.Mosquitto, BrokerKind.Null];

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Throughput -- [options]
          --quick               1 repetition, a tenth of the messages
          --reps N              repetitions per row (default 3)
          --scale X             multiply every message count by X (default 1; --quick sets 0.1)
          --filter PATTERN      run only rows whose id matches (* wildcards, case-insensitive; repeatable),
                                e.g. 'qos1/*', '*/1KB/*', '*MQTTnet*', 'alloc/*'
          --windows A,B,...     in-flight windows tried for our client at QoS 1/2 (default 256,1024,4096)
          --no-alloc-check      skip the 1,000,000-message allocation check of our client
          --zdmqtt PATH         the zdmqtt to run (default: the AOT publish output, else bin/Release)
          --mosquitto PATH      the broker (default /usr/sbin/mosquitto)
          --broker WHICH        mosquitto, null (the in-process ack-only broker) or both (default)
          --connections N       the many-connections run: N connections per client (default 10000; 0 skips it)
          --connection-seconds S  how long each of them publishes once a second (default 60; --quick: 10)
          --latency-seconds S   the latency run at 1,000 msgs/s QoS 1 (default 30; --quick: 5; 0 skips it)
          --list                print the row ids and exit
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            o = args[i] switch
            {
                "--quick" => o with { Repetitions = 1, Scale = o.Scale == 1 ? 0.1 : o.Scale, ConnectionSeconds = 10, LatencySeconds = 5 },
                "--connections" => o with { Connections = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--connection-seconds" => o with { ConnectionSeconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--latency-seconds" => o with { LatencySeconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--reps" => o with { Repetitions = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--scale" => o with { Scale = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--filter" => o with { Filters = [.. o.Filters, Next()] },
                "--windows" => o with { Windows = Next().Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray() },
                "--no-alloc-check" => o with { AllocationCheck = false },
                "--zdmqtt" => o with { Zdmqtt = Next() },
                "--mosquitto" => o with { Mosquitto = Next() },
                "--list" => o with { List = true },
                "--broker" => o with { Brokers = Next() switch
                {
                    "mosquitto" => [BrokerKind.Mosquitto],
                    "null" => [BrokerKind.Null],
                    "both" => [BrokerKind.Mosquitto, BrokerKind.Null],
                    var b => throw new ArgumentException($"--broker takes mosquitto, null or both, not {b}"),
                } },
                "--help" or "-h" => throw new ArgumentException(Usage),
                _ => throw new ArgumentException($"unknown option {args[i]}\n{Usage}"),
            };
        }
        return o;
    }

    public bool Selects(string rowId)
        => Filters.Count == 0 || Filters.Any(f => Regex.IsMatch(rowId, "^" + Regex.Escape(f).Replace("\\*", ".*") + "$", RegexOptions.IgnoreCase));
}

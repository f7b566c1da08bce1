using System.Globalization;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// What one publishing child process does: <c>--worker CLIENT --port P --topic T --qos Q --size BYTES --count N
/// --window W --warmup N</c>. Window 0 means sequential awaits.
/// </summary>
internal sealed record WorkerArgs(string Client, int Port, string Topic, QualityOfService QoS, int Size, int Count, int Window, int Warmup)
{
    public string[] ToArgs() =>
    [
        "--worker", Client, "--port", Str(Port), "--topic", Topic, "--qos", Str((int)QoS), "--size", Str(Size),
        "--count", Str(Count), "--window", Str(Window), "--warmup", Str(Warmup),
    ];

    public static WorkerArgs Parse(string[] args)
    {
        var map = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) map[args[i]] = args[i + 1];
        int Int(string key) => int.Parse(map[key], CultureInfo.InvariantCulture);
        return new WorkerArgs(map["--worker"], Int("--port"), map["--topic"], (QualityOfService)Int("--qos"), Int("--size"),
            Int("--count"), Int("--window"), Int("--warmup"));
    }

    /// <summary>The payload: printable bytes, so the same content can be a line of the text file the CLI tools read.</summary>
    public byte[] Payload()
    {
        var p = new byte[Size];
        for (int i = 0; i < p.Length; i++) p[i] = (byte)('a' + i % 26);
        return p;
    }

    /// <summary>Where warm-up messages go: nobody subscribes there, so the broker drops them.</summary>
    public string WarmupTopic => "warmup/" + Topic;

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}

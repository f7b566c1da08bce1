namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>The harnesses by the names fuzz/run.sh and the corpus folders use.</summary>
internal static class Harnesses
{
    public delegate void Target(ReadOnlySpan<byte> input);

    public static readonly IReadOnlyDictionary<string, Target> ByName = new Dictionary<string, Target>
    {
        ["decoder"] = DecoderHarness.Run,
        ["session"] = SessionHarness.Run,
    };
}

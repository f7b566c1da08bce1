using System.Text;
using FsCheck.Xunit;
using ZeroDepMqtt.Sink.Shaping;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>The hand-written scan of <see cref="JsonIndex"/> (its fast path) against the <c>Utf8JsonReader</c> loop: the
/// same verdict and, when valid, the same node table, for random JSON and random corruptions of it.</summary>
public sealed class JsonIndexTests
{
    private static readonly byte[] Noise = "{}[]\":,. -+eE01x\\\t\n\u00e9tn"u8.ToArray();

    [Property(MaxTest = 2000)]
    public void The_fast_scan_and_the_reader_agree(int seed, byte mutations)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        Generate(random, text, depth: 0);
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(text.ToString()));
        for (int m = 0; m < mutations % 4; m++)
        {
            int at = random.Next(bytes.Count + 1);
            switch (random.Next(3))
            {
                case 0 when at < bytes.Count: bytes.RemoveAt(at); break;
                case 1: bytes.Insert(at, Noise[random.Next(Noise.Length)]); break;
                default: if (at < bytes.Count) bytes[at] = Noise[random.Next(Noise.Length)]; break;
            }
        }
        AssertSame(bytes.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("01")]
    [InlineData("-")]
    [InlineData("1.")]
    [InlineData("1e")]
    [InlineData("-0.5E+7")]
    [InlineData("[1,]")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\" 1}")]
    [InlineData("{\"a\":1}x")]
    [InlineData("{\"a\":1} ")]
    [InlineData("tru")]
    [InlineData("nulll")]
    [InlineData("\"a\\\"b\"")]
    [InlineData("\"caf\u00e9\"")]
    [InlineData("\"tab\there\"")]
    [InlineData("[\"a\" \"b\"]")]
    [InlineData("{\"a\":{\"b\":[1,{\"c\":null}]},\"d\":false}")]
    public void Edge_cases_agree(string json) => AssertSame(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Deep_nesting_agrees_at_the_depth_limit()
    {
        foreach (int depth in new[] { JsonIndex.MaxDepth - 1, JsonIndex.MaxDepth, JsonIndex.MaxDepth + 1 })
            AssertSame(Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)));
    }

    [Fact]
    public void Invalid_utf8_in_a_string_agrees() => AssertSame([(byte)'"', 0xC3, (byte)'"']);

    private static void AssertSame(byte[] json)
    {
        var fast = new JsonIndex();
        var reader = new JsonIndex();
        bool fastOk = fast.TryParse(json, plainScan: true, out string? fastError);
        bool readerOk = reader.TryParse(json, plainScan: false, out string? readerError);
        string shown = Encoding.UTF8.GetString(json);
        Assert.True(fastOk == readerOk, $"verdicts differ for {shown}: fast {fastOk}, reader {readerOk} ({readerError})");
        Assert.Equal(readerError, fastError);
        if (!readerOk) return;
        Assert.Equal(reader.Length, fast.Length);
        for (int i = 0; i < reader.Length; i++)
        {
            var (f, r) = (fast[i], reader[i]);
            Assert.True((f.Kind, f.Escaped, f.Start, f.End, f.Next, f.Count) == (r.Kind, r.Escaped, r.Start, r.End, r.Next, r.Count),
                $"node {i} of {shown}: fast {(f.Kind, f.Escaped, f.Start, f.End, f.Next, f.Count)}, reader {(r.Kind, r.Escaped, r.Start, r.End, r.Next, r.Count)}");
        }
    }

    private static void Generate(Random random, StringBuilder text, int depth)
    {
        void Space() { if (random.Next(4) == 0) text.Append(" \t\n\r"[random.Next(4)]); }
        Space();
        int kind = depth > 4 ? random.Next(2, 8) : random.Next(8);
        switch (kind)
        {
            case 0:
                text.Append('{');
                for (int i = 0, n = random.Next(4); i < n; i++)
                {
                    if (i > 0) text.Append(',');
                    Space();
                    String(random, text);
                    Space();
                    text.Append(':');
                    Generate(random, text, depth + 1);
                }
                Space();
                text.Append('}');
                break;
            case 1:
                text.Append('[');
                for (int i = 0, n = random.Next(4); i < n; i++)
                {
                    if (i > 0) text.Append(',');
                    Generate(random, text, depth + 1);
                }
                Space();
                text.Append(']');
                break;
            case 2 or 3: String(random, text); break;
            case 4: text.Append(new[] { "0", "-1", "12.5", "3e7", "-0.25E-3", "1733097600123" }[random.Next(6)]); break;
            case 5: text.Append("true"); break;
            case 6: text.Append("false"); break;
            default: text.Append("null"); break;
        }
        Space();
    }

    private static void String(Random random, StringBuilder text)
        => text.Append('"').Append(new[] { "", "dev-07", "a b", "caf\u00e9", "q\\\"x", "\\u0041", "x/y" }[random.Next(7)]).Append('"');
}

/// <summary>A topic pattern of text and plain fields renders the same on its fast path as through the general runner.</summary>
public sealed class PlainTemplateTests
{
    [Theory]
    [InlineData("""{"device":"dev-07","site":{"id":12}}""")]
    [InlineData("""{"device":"d\u00e9v","site":{"id":-1.5e3}}""")]
    [InlineData("""{"device":"a\"b","site":{"id":1}}""")]      // escaped: left to the runner
    [InlineData("""{"device":true,"site":{"id":null}}""")]     // literals: left to the runner
    [InlineData("""{"device":"x","site":[1]}""")]              // a field of an array: the runner's error
    [InlineData("""{"site":{"id":1}}""")]                      // missing: the runner prints <no value>
    public void The_fast_path_renders_what_the_runner_renders(string json)
    {
        var template = CompiledTemplate.Parse("devices/{{.device}}/sites/{{.site.id}}");
        var index = new JsonIndex();
        Assert.True(index.TryParse(System.Text.Encoding.UTF8.GetBytes(json), out _));
        var fast = new System.Buffers.ArrayBufferWriter<byte>();
        var slow = new System.Buffers.ArrayBufferWriter<byte>();
        string runner;
        try
        {
            template.Render(index, 0, slow, new TemplateRunner());
            runner = System.Text.Encoding.UTF8.GetString(slow.WrittenSpan);
        }
        catch (TemplateRuntimeException e)
        {
            runner = "error: " + e.Message;
        }
        if (template.TryRenderPlain(index, 0, fast)) Assert.Equal(runner, System.Text.Encoding.UTF8.GetString(fast.WrittenSpan));
        else Assert.True(json.Contains('\\') || json.Contains("true") || json.Contains('[') || !json.Contains("device"), $"fast path refused {json}");
    }
}

public sealed class TopicCacheTests
{
    /// <summary>A gateway's device topics, differing in a byte or two, stay cached: once seen, resolving them again
    /// allocates nothing (a weak hash put them in few slots, so they evicted one another on every message).</summary>
    [Fact]
    public void Topics_of_many_devices_stay_cached()
    {
        var cache = new TopicCache();
        var topics = Enumerable.Range(0, 64).Select(i => System.Text.Encoding.UTF8.GetBytes($"devices/dev-{i:00}/t")).ToArray();
        foreach (var t in topics) Assert.True(cache.TryGet(t, 65_535, out _, out _));
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var t in topics) Assert.True(cache.TryGet(t, 65_535, out _, out _));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

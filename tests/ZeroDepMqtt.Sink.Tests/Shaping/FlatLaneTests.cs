using System.Text;
using FsCheck.Xunit;
using ZeroDepMqtt.Sink.Shaping;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>The flat-object lane of <see cref="MessageShaper"/> (a flat object, <c>fields</c>, a topic of top-level
/// fields) against the general path (index, template, projection): the same messages, topics, payloads, errors and
/// omissions for random objects and random corruptions of them.</summary>
public sealed class FlatLaneTests
{
    private static readonly string[] Configs =
    [
        """ "topic": "gw/{{.device}}/t", "fields": ["device", "t", "h"] """,
        """ "topic": "gw/{{.device}}", "fields": ["t", "h"], "omitIfEmpty": true """,
        """ "topic": "gw/{{.t}}/{{.device}}", "fields": ["h"], "sendSingle": true """,
        """ "topic": "fixed", "fields": ["pad", "device"] """,
        """ "topic": "fixed", "fields": ["caf\u00e9"], "omitIfEmpty": true """,
    ];

    private static readonly string[] Names = ["device", "t", "h", "pad", "de\\u0076ice", "caf\u00e9", "x"];

    private static readonly string[] Values =
    [
        "\"d01\"", "\"d02\"", "21.5", "-0.25E-3", "0", "true", "false", "null", "\"\"", "\"a b\"", "\"q\\\"x\"",
        "\"a+b\"", "\"caf\u00e9\"", "{\"n\":1}", "[1,2]", "\"x/y\"",
        "\"" + new string('x', 40) + "\"", "\"" + new string('x', 31) + "\u00e9" + new string('y', 8) + "\"", "\"" + new string('x', 36) + "\\n\"",
    ];

    private static readonly byte[] Noise = "{}[]\":,. -+eE01x\\\t\n\u00e9tn"u8.ToArray();

    // The flat lane's string scan skips eight clean bytes at a time with bit tricks: it must end exactly where the
    // general scan ends (or fail where it fails) for any bytes, a special byte at any offset of a word included.
    [Property(MaxTest = 5000)]
    public void The_flat_string_scan_agrees_with_the_general_one(int seed)
    {
        var random = new Random(seed);
        byte[] alphabet = [(byte)'"', (byte)'\\', 0x00, 0x01, 0x1F, 0x20, 0x21, 0x7F, 0x80, 0xC3, 0xA9, 0xFF, (byte)'a', (byte)'x', (byte)'#'];
        var bytes = new byte[1 + random.Next(48)];
        int start = random.Next(4);
        bytes = new byte[start + bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = random.Next(4) == 0 ? alphabet[random.Next(alphabet.Length)] : (byte)random.Next(0x23, 0x5B);   // mostly clean
        bytes[start] = (byte)'"';
        Assert.Equal(JsonIndex.ScanString(bytes, start), MessageShaper.ScanFlatString(bytes, start));
    }

    [Property(MaxTest = 3000)]
    public void The_flat_lane_and_the_general_path_agree(int seed, byte mutations)
    {
        var random = new Random(seed);
        var text = new StringBuilder("{");
        for (int i = 0, n = random.Next(6); i < n; i++)
        {
            if (i > 0) text.Append(',');
            if (random.Next(5) == 0) text.Append(' ');
            text.Append('"').Append(Names[random.Next(Names.Length)]).Append("\":");
            if (random.Next(5) == 0) text.Append('\n');
            text.Append(Values[random.Next(Values.Length)]);
        }
        text.Append('}');
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(text.ToString()));
        for (int m = 0; m < mutations % 3; m++)
        {
            int at = random.Next(bytes.Count + 1);
            switch (random.Next(3))
            {
                case 0 when at < bytes.Count: bytes.RemoveAt(at); break;
                case 1: bytes.Insert(at, Noise[random.Next(Noise.Length)]); break;
                default: if (at < bytes.Count) bytes[at] = Noise[random.Next(Noise.Length)]; break;
            }
        }
        var input = bytes.ToArray();
        foreach (var config in Configs)
        {
            var shaper = Shaped.Shaper(config);
            var flat = Messages(shaper, input, flatLane: true);
            var general = Messages(shaper, input, flatLane: false);
            Assert.True(general.SequenceEqual(flat),
                $"{config} on {Encoding.UTF8.GetString(input)}:\n flat    {string.Join("; ", flat)}\n general {string.Join("; ", general)}");
        }
    }

    [Theory]
    [InlineData("""{"device":"d01","t":21.5,"h":40.25,"pad":"xxxxxxxxxxxxx"}""", true)]
    [InlineData(""" { "h" : 1 , "device" : "d" } """, true)]
    [InlineData("""{}""", false)]                                  // no device: the runner reports the missing field
    [InlineData("""{"device":"d01","site":{"id":1}}""", false)]    // a nested value
    [InlineData("""{"device":"d\u0030"}""", false)]               // an escape
    [InlineData("""[{"device":"d01"}]""", false)]
    public void The_lane_is_taken_for_flat_objects_only(string json, bool taken)
        => Assert.Equal(taken, Shaped.Shaper(Configs[0]).TakesFlatLane(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData(""" "topic": "gw/{{.site.id}}", "fields": ["t"] """)]     // a nested path
    [InlineData(""" "topic": "gw/{{.device | upper}}", "fields": ["t"] """)]
    [InlineData(""" "topic": "gw", "excludeFields": ["t"] """)]
    [InlineData(""" "topic": "gw", "fields": ["t"], "dataField": "d" """)]
    public void Other_options_keep_the_general_path(string config)
        => Assert.False(Shaped.Shaper(config).TakesFlatLane("""{"device":"d01","t":1}"""u8));

    private static List<string> Messages(MessageShaper shaper, byte[] input, bool flatLane)
    {
        var results = shaper.Shape(input, flatLane);
        var list = new List<string>();
        for (int i = 0; i < results.Count; i++)
        {
            ref var e = ref results[i];
            list.Add(e.Error is not null ? $"error: {e.Error}"
                : $"{e.Topic} {Encoding.UTF8.GetString(results.PayloadOf(i, input))}{(e.Omitted ? " (omitted)" : "")}");
        }
        return list;
    }
}

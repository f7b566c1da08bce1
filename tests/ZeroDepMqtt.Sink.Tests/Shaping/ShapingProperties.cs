using System.Globalization;
using FsCheck;
using FsCheck.Xunit;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>Properties: the two ways to select fields agree, and sendSingle splits an array into its elements.</summary>
public sealed class ShapingProperties
{
    private static string Value(int v, int i) => (i % 3) switch
    {
        0 => v.ToString(CultureInfo.InvariantCulture),
        1 => $"\"s{v}\\\"q\"",           // a string with an escaped quote
        _ => $"{{\"n\": [{v}, true, null]}}",
    };

    [Property(MaxTest = 200)]
    public void A_template_printing_fields_in_order_equals_the_fields_option(NonEmptyArray<int> values, int seed)
    {
        int n = values.Get.Length;
        string json = "{" + string.Join(", ", values.Get.Select((v, i) => $"\"f{i}\": {Value(v, i)}")) + "}";
        var random = new Random(seed);
        var chosen = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(1 + random.Next(n)).Select(i => $"f{i}").ToArray();

        var byFields = Assert.Single(Shaped.Run($$""" "topic": "t", "fields": [{{string.Join(", ", chosen.Select(f => $"\"{f}\""))}}] """, json));
        string template = "{" + string.Join(",", chosen.Select(f => $"\\\"{f}\\\":{{{{json .{f}}}}}")) + "}";
        var byTemplate = Assert.Single(Shaped.Run($$""" "topic": "t", "dataTemplate": "{{template}}" """, json));

        Assert.Null(byFields.Error);
        Assert.Equal(byFields.Payload, byTemplate.Payload);
    }

    [Property(MaxTest = 200)]
    public void SendSingle_of_an_array_of_n_yields_n_messages_in_order(int[] values)
    {
        var elements = values.Select((v, i) => $"{{\"n\": {v}, \"i\": {i}}}").ToArray();
        var messages = Shaped.Run(""" "topic": "t/{{.i}}", "sendSingle": true """, "[" + string.Join(", ", elements) + "]");
        Assert.Equal(values.Length, messages.Count);
        Assert.Equal(elements, messages.Select(m => m.Payload));
        Assert.Equal(values.Select((_, i) => $"t/{i}"), messages.Select(m => m.Topic));
    }
}

using System.IO.Compression;
using System.Text;
using ZeroDepMqtt.Sink.Shaping;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>Per-message behaviour: failures stay with their message; formats, omission, compression, batching.</summary>
public sealed class ShapingBehaviourTests
{
    [Fact]
    [Trait("spec", "MQTT-3.3.2-2")]
    public void A_message_whose_topic_does_not_resolve_fails_alone()
    {
        var messages = Shaped.Run(""" "topic": "d/{{.id}}", "sendSingle": true """,
            """[{"id": "a"}, {"x": 1}, {"id": "b+c"}, {"id": ""}, {"id": "e"}, {"id": {"n": 1}}]""");
        Assert.Equal("d/a", messages[0].Topic);
        Assert.Contains("missing in the message", messages[1].Error);
        Assert.Contains("wildcard '+'", messages[2].Error);
        Assert.Equal("d/", messages[3].Topic);
        Assert.Equal("d/e", messages[4].Topic);
        Assert.Equal("d/{\"n\":1}", messages[5].Topic);
    }

    [Fact]
    [Trait("spec", "MQTT-4.7.3-1")]
    [Trait("spec", "MQTT-4.7.3-2")]
    public void A_topic_that_resolves_empty_or_with_nul_fails()
    {
        var shaper = Shaped.Shaper(""" "topic": "{{.id}}" """);
        Assert.Contains("empty", Assert.Single(Shaped.Run(shaper, """{"id": ""}""")).Error);
        Assert.Contains("U+0000", Assert.Single(Shaped.Run(shaper, """{"id": "a\u0000b"}""")).Error);
        Assert.Contains("cannot read field", Assert.Single(Shaped.Run(Shaped.Shaper(""" "topic": "{{.a.b}}" """), """{"a": "s"}""")).Error);
    }

    [Fact]
    public void Nested_fields_and_escaped_names_resolve()
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "f/{{.a.b}}/{{.q}}" """, """{"a": {"b": "x\/y"}, "\u0071": "z"}"""));
        Assert.Equal("f/x/y/z", m.Topic);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"a\": 1")]
    [InlineData("")]
    [InlineData("{\"a\": 1} {\"b\": 2}")]
    public void Non_json_input_fails_with_a_reason(string input)
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "t", "sendSingle": true """, input));
        Assert.StartsWith("the message is ", m.Error);
    }

    [Fact]
    public void ExcludeFields_drops_and_keeps_order()
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "t", "excludeFields": ["b"] """, """{"a": 1, "b": 2, "c": [1, 2]}"""));
        Assert.Equal("""{"a":1,"c":[1,2]}""", m.Payload);
    }

    [Fact]
    public void Fields_on_an_array_apply_to_each_object()
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "t", "fields": ["b", "a"] """, """[{"a": 1, "b": 2}, {"a": 3, "c": 4}]"""));
        Assert.Equal("""[{"b":2,"a":1},{"a":3}]""", m.Payload);
    }

    [Fact]
    public void Delimited_with_header_sorts_columns_without_fields_and_follows_fields_with_them()
    {
        var sorted = Assert.Single(Shaped.Run(""" "topic": "t", "format": "delimited", "hasHeader": true """, """[{"b": 2, "a": "x"}, {"b": 3, "a": "y"}]"""));
        Assert.Equal("a,b\nx,2\ny,3", sorted.Payload);
        var chosen = Assert.Single(Shaped.Run(""" "topic": "t", "format": "delimited", "delimiter": ";", "fields": ["b", "a"] """, """{"b": 2, "a": "x"}"""));
        Assert.Equal("2;x", chosen.Payload);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"other\": 1}")]
    public void OmitIfEmpty_skips_empty_results(string input)
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "t", "omitIfEmpty": true, "fields": ["a"] """, input));
        Assert.True(m.Omitted || m.Error is not null, m.ToString());
    }

    [Fact]
    public void OmitIfEmpty_keeps_results_with_content()
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "t", "omitIfEmpty": true, "fields": ["a"] """, """{"a": 0}"""));
        Assert.False(m.Omitted);
        Assert.Equal("""{"a":0}""", m.Payload);
    }

    [Theory]
    [InlineData("Zlib")]
    [InlineData("Gzip")]
    [InlineData("Flate")]
    public void Compression_round_trips_through_the_bcl_decoder(string name)
    {
        var kind = Enum.Parse<PayloadCompression>(name);
        byte[] payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"temperature\": 21.5}", 50)));
        byte[] compressed = PayloadCompressor.Compress(kind, payload);
        Assert.True(compressed.Length < payload.Length);
        using Stream decoder = kind switch
        {
            PayloadCompression.Zlib => new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress),
            PayloadCompression.Gzip => new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress),
            _ => new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress),
        };
        var output = new MemoryStream();
        decoder.CopyTo(output);
        Assert.Equal(payload, output.ToArray());
    }

    [Fact]
    public async Task Batches_fill_to_batchSize_split_on_topic_change_and_flush_the_rest()
    {
        var sent = new List<(string Topic, string Payload)>();
        using var batcher = new MessageBatcher(3, TimeSpan.Zero, json: true, (topic, payload) =>
        {
            sent.Add((topic.ToString(), Encoding.UTF8.GetString(payload)));
            return ValueTask.CompletedTask;
        }, TimeProvider.System);
        var a = Protocol.TopicName.Create("a");
        var b = Protocol.TopicName.Create("b");
        var tasks = new List<ValueTask>();
        foreach (var (topic, n) in new[] { (a, 1), (a, 2), (a, 3), (a, 4), (b, 5), (b, 6) })
            tasks.Add(batcher.AddAsync(topic, Encoding.UTF8.GetBytes($"{{\"n\":{n}}}")));
        await batcher.FlushAsync();
        foreach (var t in tasks) await t;
        Assert.Equal([("a", """[{"n":1},{"n":2},{"n":3}]"""), ("a", """[{"n":4}]"""), ("b", """[{"n":5},{"n":6}]""")], sent);
    }

    [Fact]
    public async Task A_linger_timer_sends_a_partial_batch()
    {
        var sent = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var batcher = new MessageBatcher(100, TimeSpan.FromMilliseconds(20), json: false, (_, payload) =>
        {
            sent.TrySetResult(Encoding.UTF8.GetString(payload));
            return ValueTask.CompletedTask;
        }, TimeProvider.System);
        var t = Protocol.TopicName.Create("t");
        var first = batcher.AddAsync(t, "1,a"u8);
        var second = batcher.AddAsync(t, "2,b"u8);
        // Event-driven: the timer's flush completes this; the timeout only guards against a hang.
        Assert.Equal("1,a\n2,b", await sent.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await first;
        await second;
    }
}

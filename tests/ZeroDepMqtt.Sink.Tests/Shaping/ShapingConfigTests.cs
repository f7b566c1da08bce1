namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>Shaping options are checked at load time: anything outside the supported subset names the construct.</summary>
public sealed class ShapingConfigTests
{
    [Theory]
    [InlineData(""" "topic": "t", "dataTemplate": "{{printf \"%d\" .x}}" """, "dataTemplate", "the function \"printf\" is not supported")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{template \"x\"}}" """, "dataTemplate", "{{template}} is not supported")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{define \"x\"}}a{{end}}" """, "dataTemplate", "{{define}} is not supported")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{if .x}}a" """, "dataTemplate", "{{if}} has no {{end}}")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{end}}" """, "dataTemplate", "{{end}} without")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{.x" """, "dataTemplate", "not closed")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{$y}}" """, "dataTemplate", "undefined variable $y")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{eq .a}}" """, "dataTemplate", "eq takes at least 2 argument(s), not 1")]
    [InlineData(""" "topic": "t", "dataTemplate": "{{.a 1}}" """, "dataTemplate", "is not a function")]
    [InlineData(""" "topic": "dev/{{slice .a 1}}" """, "topic", "the function \"slice\" is not supported")]
    [InlineData(""" "topic": "t", "compression": "zstd" """, "compression", "\"zstd\" is not available")]
    [InlineData(""" "topic": "t", "compression": "gzp" """, "compression", "did you mean \"gzip\"?")]
    [InlineData(""" "topic": "t", "format": "protobuf" """, "format", "not supported by this sink")]
    [InlineData(""" "topic": "t", "format": "delimted" """, "format", "did you mean \"delimited\"?")]
    [InlineData(""" "topic": "t", "fields": "a" """, "fields", "write [\"a\"]")]
    [InlineData(""" "topic": "t", "fields": ["a", "a"] """, "fields", "names \"a\" twice")]
    [InlineData(""" "topic": "t", "fields": ["a"], "excludeFields": ["b"] """, "excludeFields", "set one")]
    [InlineData(""" "topic": "t", "batchSize": -1 """, "batchSize", "out of range")]
    [InlineData(""" "topic": "t", "lingerInterval": 1.5 """, "lingerInterval", "expected a whole number of milliseconds")]
    [InlineData(""" "topic": "t", "sendSingle": "true" """, "sendSingle", "without quotes")]
    [InlineData(""" "topic": "t", "delimiter": "" , "format": "delimited" """, "delimiter", "is empty")]
    [InlineData(""" "topic": "t", "format": "delimited", "hasHeader": true, "batchSize": 2 """, "hasHeader", "not supported")]
    public void Bad_shaping_options_are_load_errors_naming_the_construct(string options, string option, string expected)
    {
        var errors = Shaped.Errors(options);
        Assert.Contains(errors, e => e.StartsWith(option, StringComparison.Ordinal) && e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_misspelt_shaping_option_gets_did_you_mean()
    {
        var result = MqttSinkConfig.Parse("""{"server": "tcp://127.0.0.1:1883", "topic": "t", "sendSingel": true}""");
        Assert.Contains(result.Warnings, w => w.ToString().Contains("did you mean \"sendSingle\"?", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_describes_the_shaping_settings()
    {
        var result = MqttSinkConfig.Parse("""{"server": "tcp://127.0.0.1:1883", "topic": "d/{{.id}}", "sendSingle": true, "fields": ["a", "b"], "compression": "gzip", "batchSize": 10, "lingerInterval": 50}""");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        string text = result.Settings!.Describe();
        Assert.Contains("topic pattern", text);
        Assert.Contains("fields".PadRight(22) + "a, b", text);
        Assert.Contains("compression".PadRight(22) + "gzip", text);
        Assert.Contains("up to 10 result(s) or 50 ms per message", text);
    }

    [Fact]
    public void Without_shaping_options_the_plain_path_stays()
    {
        var result = MqttSinkConfig.Parse("""{"server": "tcp://127.0.0.1:1883", "topic": "t"}""");
        Assert.False(result.Settings!.ShapesMessages);
    }

    [Fact]
    public void Supported_template_constructs_compile()
    {
        const string template = "{{/* c */}}{{- with .a -}}{{.b}}{{end}}{{range $k, $v := .o}}{{$k}}={{$v}}{{else}}none{{end}}{{if and .x (not .y)}}1{{else if or .y .z}}2{{else}}3{{end}}{{.s | upper}}{{lower \\\"A\\\"}}{{trim .s}}{{base64 .s}}{{b64enc .s}}{{sub 5 2}}{{mul 2 3}}{{div 7 2}}{{mod 7 2}}{{ne 1 2}}{{gt 2 1}}{{ge 2 2}}{{le 1 2}}{{len .s}}{{$}}";
        var m = Assert.Single(Shaped.Run($$""" "topic": "t", "dataTemplate": "{{template}}" """, """{"a": {"b": "B"}, "o": {"k": 1}, "x": true, "y": false, "s": " hi "}"""));
        Assert.Null(m.Error);
        Assert.StartsWith("Bk=11 HI ahiIGhpIA==IGhpIA==3631truetruetruetrue4{", m.Payload);
    }
}

using System.Text.Json.Nodes;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>
/// The examples of eKuiper's "Data Template" and "Sink common properties" documentation, with the outputs those pages
/// state, written here as cases (inputs and expected payloads typed from the documented text).
/// </summary>
public sealed class EKuiperDocExamplesTests
{
    private const string AbRecords = """[{"ab": "hello1"}, {"ab": "hello2"}]""";

    public static TheoryData<string, string, string, string[]> TemplateCases => new()
    {
        // name, options, input, expected payloads (in order)
        { "sendSingle: whole record", """ "topic": "t", "sendSingle": true, "dataTemplate": "{\"content\":{{json .}}}" """, AbRecords,
            ["""{"content":{"ab":"hello1"}}""", """{"content":{"ab":"hello2"}}"""] },
        { "sendSingle: the ab field", """ "topic": "t", "sendSingle": true, "dataTemplate": "{\"content\":{{.ab}}}" """, AbRecords,
            ["{\"content\":hello1}", "{\"content\":hello2}"] },
        { "sendSingle: ab quoted", """ "topic": "t", "sendSingle": true, "dataTemplate": "{\"content\":\"{{.ab}}\"}" """, AbRecords,
            ["""{"content":"hello1"}""", """{"content":"hello2"}"""] },
        { "array: whole", """ "topic": "t", "dataTemplate": "{\"content\":{{json .}}}" """, AbRecords,
            ["""{"content":[{"ab":"hello1"},{"ab":"hello2"}]}"""] },
        { "array: first record", """ "topic": "t", "dataTemplate": "{\"content\":{{json (index . 0)}}}" """, AbRecords,
            ["""{"content":{"ab":"hello1"}}"""] },
        { "array: ab of first record", """ "topic": "t", "dataTemplate": "{\"content\":{{index . 0 \"ab\"}}}" """, AbRecords,
            ["{\"content\":hello1}"] },
        { "array: range to html", """ "topic": "t", "dataTemplate": "<div>results</div><ul>{{range .}}<li>{{.ab}}</li>{{end}}</ul>" """, AbRecords,
            ["<div>results</div><ul><li>hello1</li><li>hello2</li></ul>"] },
        { "toJson per record (AWS IoT example)", """ "topic": "t", "sendSingle": true, "dataTemplate": "{{toJson .}}" """,
            """[{"device_id": "1", "t_av": 36.25, "t_count": 4, "t_max": 80, "t_min": 10}, {"device_id": "2", "t_av": 27, "t_count": 4, "t_max": 45, "t_min": 12}]""",
            ["""{"device_id":"1","t_av":36.25,"t_count":4,"t_max":80,"t_min":10}""", """{"device_id":"2","t_av":27,"t_count":4,"t_max":45,"t_min":12}"""] },
        { "if lt / else if ge (data content conversion)",
            """ "topic": "t", "sendSingle": true, "dataTemplate": "{\"device_id\": {{.device_id}}, \"description\": \"{{if lt .t_av 30.0}}Current temperature is {{.t_av}}, it's normal.\"{{else if ge .t_av 30.0}}Current temperature is {{.t_av}}, it's high.\"{{end}}}" """,
            """[{"device_id": "1", "t_av": 36.25, "t_count": 4, "t_max": 80, "t_min": 10}, {"device_id": "2", "t_av": 27, "t_count": 4, "t_max": 45, "t_min": 12}]""",
            ["""{"device_id": 1, "description": "Current temperature is 36.25, it's high."}""", """{"device_id": 2, "description": "Current temperature is 27, it's normal."}"""] },
    };

    [Theory]
    [MemberData(nameof(TemplateCases))]
    public void Documented_template_outputs(string name, string options, string input, string[] expected)
    {
        var messages = Shaped.Run(options, input);
        Assert.All(messages, m => Assert.Null(m.Error));
        Assert.True(expected.SequenceEqual(messages.Select(m => m.Payload)), $"{name}: got {string.Join(" | ", messages.Select(m => m.Payload))}");
    }

    [Fact]
    public void Data_traversal_with_variables_len_add_and_range_index()
    {
        // The page shows the result reformatted; its JSON value is what the template makes.
        const string template = "{{$len := len .values}} {{$loopsize := add $len -1}} {\\\"device_id\\\": \\\"{{.device_id}}\\\", \\\"description\\\": [{{range $index, $ele := .values}} {{if le .temperature 25.0}}\\\"fine\\\"{{else if gt .temperature 25.0}}\\\"high\\\"{{end}} {{if eq $loopsize $index}}]{{else}},{{end}}{{end}}}";
        var messages = Shaped.Run($$""" "topic": "t", "sendSingle": true, "dataTemplate": "{{template}}" """,
            """{"device_id": "1", "values": [{"temperature": 10.5}, {"temperature": 20.3}, {"temperature": 30.3}]}""");
        var m = Assert.Single(messages);
        Assert.Null(m.Error);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "device_id": "1", "description": ["fine", "fine", "high"] }"""), JsonNode.Parse(m.Payload!)), m.Payload);
    }

    [Fact]
    public void Fields_select_humidity()
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "t", "fields": ["humidity"] """, """{"temperature": 31.2, "humidity": 45}"""));
        Assert.Equal("""{"humidity":45}""", m.Payload);
    }

    [Fact]
    public void DataTemplate_then_dataField_then_fields()
    {
        // The common-properties table: the template gives {"tele":{...},"id":1}; dataField "tele"; fields keep two.
        var m = Assert.Single(Shaped.Run(
            """ "topic": "t", "dataTemplate": "{\"tele\":{{json .}},\"id\":1}", "dataField": "tele", "fields": ["humidity", "temperature"] """,
            """{"humidity": 80.2, "temperature": 31.2, "id": 1}"""));
        Assert.Equal("""{"humidity":80.2,"temperature":31.2}""", m.Payload);
    }

    [Fact]
    public void DataField_alone_publishes_the_field_value()
    {
        var m = Assert.Single(Shaped.Run(""" "topic": "t", "dataField": "tele" """, """{"tele": {"humidity": 80.2, "temperature": 31.2, "id": 1}, "id": 1}"""));
        Assert.Equal("""{"humidity":80.2,"temperature":31.2,"id":1}""", m.Payload);
    }

    [Fact]
    public void Dynamic_topic_with_sendSingle_and_index_without()
    {
        var single = Shaped.Run(""" "topic": "prefix/{{.topic}}", "sendSingle": true """, """[{"topic": "a", "v": 1}, {"topic": "b", "v": 2}]""");
        Assert.Equal(["prefix/a", "prefix/b"], single.Select(m => m.Topic));
        Assert.Equal(["""{"topic": "a", "v": 1}""", """{"topic": "b", "v": 2}"""], single.Select(m => m.Payload));

        var whole = Assert.Single(Shaped.Run(""" "topic": "prefix/{{index . 0 \"topic\"}}" """, """[{"topic": "a"}, {"topic": "b"}]"""));
        Assert.Equal("prefix/a", whole.Topic);
        Assert.Equal("""[{"topic": "a"}, {"topic": "b"}]""", whole.Payload);
    }
}

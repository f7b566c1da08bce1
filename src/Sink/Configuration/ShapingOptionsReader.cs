using System.Text.Json;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>Reads the JSON types of the message-shaping options; <see cref="ShapingValidator"/> checks their meaning.</summary>
internal static class ShapingOptionsReader
{
    public static MqttSinkOptions Apply(MqttSinkOptions o, string name, JsonElement v, ProblemList p) => name switch
    {
        OptionNames.SendSingle => o with { SendSingle = JsonOptionsReader.Bool(name, v, p) ?? o.SendSingle },
        OptionNames.Fields => o with { Fields = Strings(name, v, p) },
        OptionNames.ExcludeFields => o with { ExcludeFields = Strings(name, v, p) },
        OptionNames.DataField => o with { DataField = JsonOptionsReader.String(name, v, p, "a string: the name of a field, such as \"tele\"") },
        OptionNames.DataTemplate => o with { DataTemplate = JsonOptionsReader.String(name, v, p, "a string: a template such as \"{\\\"t\\\": {{.temperature}}}\"") },
        OptionNames.Format => o with { Format = JsonOptionsReader.String(name, v, p, "a string: \"json\" or \"delimited\"") },
        OptionNames.Delimiter => o with { Delimiter = JsonOptionsReader.String(name, v, p, "a string such as \",\"") },
        OptionNames.HasHeader => o with { HasHeader = JsonOptionsReader.Bool(name, v, p) ?? o.HasHeader },
        OptionNames.OmitIfEmpty => o with { OmitIfEmpty = JsonOptionsReader.Bool(name, v, p) ?? o.OmitIfEmpty },
        OptionNames.BatchSize => o with { BatchSize = Integer(name, v, p, "messages") ?? o.BatchSize },
        OptionNames.LingerInterval => o with { LingerInterval = Integer(name, v, p, "milliseconds") ?? o.LingerInterval },
        OptionNames.Compression => o with { Compression = JsonOptionsReader.String(name, v, p, "a string: \"zlib\", \"gzip\" or \"flate\"") },
        _ => o,
    };

    private static string[]? Strings(string name, JsonElement v, ProblemList p)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            string hint = v.ValueKind == JsonValueKind.String ? $" (write [{v.GetRawText()}])" : "";
            p.Error(name, $"{JsonText.Found(v, secret: false)}; expected an array of field names such as [\"humidity\", \"temperature\"]{hint}");
            return null;
        }
        var names = new List<string>();
        int i = 0;
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) { p.Error(name, $"element {i} is {JsonText.Found(e, secret: false)}; expected field names (strings)"); return null; }
            names.Add(e.GetString()!);
            i++;
        }
        return [.. names];
    }

    private static int? Integer(string name, JsonElement v, ProblemList p, string unit)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n)) return n;
        string found = v.ValueKind == JsonValueKind.Number ? $"{v.GetRawText()} is not an integer in range" : JsonText.Found(v, secret: false);
        p.Error(name, $"{found}; expected a whole number of {unit} (0 turns it off)");
        return null;
    }
}

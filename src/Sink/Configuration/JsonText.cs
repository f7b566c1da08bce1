using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>How values and types are shown in messages. Secrets are never shown, whatever their type.</summary>
internal static class JsonText
{
    private const int MaxShown = 60;

    public static string TypeName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => "an unknown value",
    };

    /// <summary>"\"1\" is a string", "1.5 is a number", "found an object"; for secrets only "found a number".</summary>
    public static string Found(JsonElement value, bool secret)
    {
        if (secret) return $"found {TypeName(value.ValueKind)}";
        return value.ValueKind switch
        {
            JsonValueKind.String => $"{Quote(value.GetString()!)} is a string",
            JsonValueKind.Number => $"{Shorten(value.GetRawText())} is a number",
            JsonValueKind.True or JsonValueKind.False => $"{value.GetRawText()} is a boolean",
            _ => $"found {TypeName(value.ValueKind)}",
        };
    }

    /// <summary>A string in double quotes with control characters escaped, cut at 60 characters.</summary>
    public static string Quote(string value)
    {
        var b = new StringBuilder("\"");
        foreach (char c in Shorten(value))
        {
            if (c == '"' || c == '\\') b.Append('\\').Append(c);
            else if (char.IsControl(c)) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    private static string Shorten(string value) => value.Length <= MaxShown ? value : string.Concat(value.AsSpan(0, MaxShown), "…");
}

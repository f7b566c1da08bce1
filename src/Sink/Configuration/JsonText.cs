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

    /// <summary>The string value, or null after reporting a lone surrogate escape (<c>"\ud800"</c>), which no UTF-8
    /// CONNECT or PUBLISH field can carry.</summary>
    public static string? GetString(string name, JsonElement value, ProblemList problems)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            problems.Error(name, "contains a lone surrogate escape (\\uD800-\\uDFFF without its pair), which is not valid Unicode; remove it or write the whole character");
            return null;
        }
    }

    /// <summary>"\"1\" is a string", "1.5 is a number", "found an object"; for secrets only "found a number".</summary>
    public static string Found(JsonElement value, bool secret)
    {
        if (secret) return $"found {TypeName(value.ValueKind)}";
        return value.ValueKind switch
        {
            JsonValueKind.String => $"{Quote(GetStringOrRaw(value))} is a string",
            JsonValueKind.Number => $"{Shorten(value.GetRawText())} is a number",
            JsonValueKind.True or JsonValueKind.False => $"{value.GetRawText()} is a boolean",
            _ => $"found {TypeName(value.ValueKind)}",
        };
    }

    private static string GetStringOrRaw(JsonElement value)
    {
        try { return value.GetString()!; } catch (InvalidOperationException) { return value.GetRawText().Trim('"'); }
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

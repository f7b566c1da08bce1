namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>The template functions supported, with how many arguments each takes (checked at load time).</summary>
internal enum TemplateFunction
{
    Json, ToJson, Base64, B64Enc, Index, Len, Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Not, Upper, Lower, Trim,
}

internal static class TemplateFunctions
{
    /// <summary>Name, function, fewest and most arguments (-1: any number).</summary>
    private static readonly (string Name, TemplateFunction Function, int Min, int Max)[] Table =
    [
        ("json", TemplateFunction.Json, 1, 1), ("toJson", TemplateFunction.ToJson, 1, 1),
        ("base64", TemplateFunction.Base64, 1, 1), ("b64enc", TemplateFunction.B64Enc, 1, 1),
        ("index", TemplateFunction.Index, 1, -1), ("len", TemplateFunction.Len, 1, 1),
        ("add", TemplateFunction.Add, 1, -1), ("sub", TemplateFunction.Sub, 2, 2), ("mul", TemplateFunction.Mul, 1, -1),
        ("div", TemplateFunction.Div, 2, 2), ("mod", TemplateFunction.Mod, 2, 2),
        ("eq", TemplateFunction.Eq, 2, -1), ("ne", TemplateFunction.Ne, 2, 2), ("lt", TemplateFunction.Lt, 2, 2),
        ("le", TemplateFunction.Le, 2, 2), ("gt", TemplateFunction.Gt, 2, 2), ("ge", TemplateFunction.Ge, 2, 2),
        ("and", TemplateFunction.And, 1, -1), ("or", TemplateFunction.Or, 1, -1), ("not", TemplateFunction.Not, 1, 1),
        ("upper", TemplateFunction.Upper, 1, 1), ("lower", TemplateFunction.Lower, 1, 1), ("trim", TemplateFunction.Trim, 1, 1),
    ];

    /// <summary>The supported names, for messages and docs.</summary>
    public static string Names => string.Join(", ", Table.Select(t => t.Name));

    public static bool TryFind(string name, out TemplateFunction function, out int min, out int max)
    {
        foreach (var t in Table)
        {
            if (t.Name != name) continue;
            (function, min, max) = (t.Function, t.Min, t.Max);
            return true;
        }
        (function, min, max) = (default, 0, 0);
        return false;
    }

    public static string NameOf(TemplateFunction function) => Table.First(t => t.Function == function).Name;
}

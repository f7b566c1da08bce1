namespace ZeroDepMqtt.Protocol.Tests.TestSupport;

/// <summary>
/// Theory data with lone surrogates does not survive xunit's serialisation of test cases (they arrive as
/// U+FFFD), so such strings are written escaped (<c>"a\\uD800"</c>) and unescaped inside the test.
/// </summary>
internal static class Escaped
{
    public static string Unescape(string escaped) => System.Text.RegularExpressions.Regex.Unescape(escaped);
}

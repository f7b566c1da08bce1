namespace ZeroDepMqtt.Protocol.Tests.TestSupport;

/// <summary>Hex literals as the tests write them: "10 0C 00 04".</summary>
internal static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "").Replace("\n", ""));

    public static string Format(ReadOnlySpan<byte> bytes)
    {
        var text = Convert.ToHexString(bytes);
        var sb = new System.Text.StringBuilder(text.Length * 3 / 2);
        for (int i = 0; i < text.Length; i += 2)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(text, i, 2);
        }
        return sb.ToString();
    }
}

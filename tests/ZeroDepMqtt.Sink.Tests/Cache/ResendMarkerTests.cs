using System.Buffers;
using System.Text;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary><c>resendIndicatorField</c> on one payload: the output JsonNode gave (compact, numbers as written, strings
/// unescaped then escaped by the relaxed encoder), and anything but one JSON object left unchanged.</summary>
public sealed class ResendMarkerTests
{
    private static string? Mark(string payload, string field = "resent")
    {
        byte[]? buffer = ResendMarker.TryMark(Encoding.UTF8.GetBytes(payload), field, out int length);
        if (buffer is null) return null;
        string text = Encoding.UTF8.GetString(buffer, 0, length);
        ArrayPool<byte>.Shared.Return(buffer);
        return text;
    }

    [Theory]
    [InlineData("{\"n\":1}", "{\"n\":1,\"resent\":true}")]
    [InlineData("{}", "{\"resent\":true}")]
    [InlineData(" {\"n\" : 1 }  ", "{\"n\":1,\"resent\":true}")]
    [InlineData("{\"resent\":{\"z\":[1,2]},\"e\":false}", "{\"resent\":true,\"e\":false}")]
    [InlineData("{\"\\u0072esent\":0}", "{\"resent\":true}")]
    [InlineData("{\"a\":\"\\u00e9\\n\\/<>&'\",\"b\":1.50e3,\"c\":[1,{\"d\":null,\"t\":true}]}",
        "{\"a\":\"é\\n/<>&'\",\"b\":1.50e3,\"c\":[1,{\"d\":null,\"t\":true}],\"resent\":true}")]
    [InlineData("{\"x\":{\"a\":1,\"a\":2}}", "{\"x\":{\"a\":1,\"a\":2},\"resent\":true}")]
    public void A_json_object_gets_the_field_added_or_replaced(string payload, string expected)
        => Assert.Equal(expected, Mark(payload));

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("\"s\"")]
    [InlineData("42")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\":1")]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"resent\":1,\"resent\":2}")]
    public void Anything_but_one_json_object_with_distinct_keys_is_left_unchanged(string payload)
        => Assert.Null(Mark(payload));

    [Fact]
    public void Nesting_deeper_than_64_is_left_unchanged()
        => Assert.Null(Mark("{\"a\":" + new string('[', 64) + new string(']', 64) + "}"));
}

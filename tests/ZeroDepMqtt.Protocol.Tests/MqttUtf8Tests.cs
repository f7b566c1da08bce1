using System.Text;
using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests;

public class MqttUtf8Tests
{
    [Theory]
    [InlineData("")]
    [InlineData("61 2F 62")]
    [InlineData("C3 A9 E2 82 AC")]          // é €
    [InlineData("F0 9F 98 80")]             // U+1F600, a surrogate pair in UTF-16
    [InlineData("EF BB BF 61")]             // U+FEFF, kept as a character
    [InlineData("F4 8F BF BF")]             // U+10FFFF, the last code point
    public void Well_formed_strings_pass(string hex)
        => Assert.Equal(-1, MqttUtf8.FindInvalid(Hex.Parse(hex), out _));

    [Theory]
    [Trait("spec", "MQTT-1.5.3-1")]
    [InlineData("ED A0 80", 0)]             // U+D800 encoded: a surrogate
    [InlineData("61 ED BF BF", 1)]          // U+DFFF encoded
    [InlineData("61 62 C0 80", 2)]          // overlong U+0000 ("modified UTF-8")
    [InlineData("E0 80 AF", 0)]             // overlong '/'
    [InlineData("61 E2 82", 1)]             // truncated sequence
    [InlineData("80", 0)]                   // lone continuation byte
    [InlineData("61 FF", 1)]                // never valid in UTF-8
    [InlineData("F4 90 80 80", 0)]          // above U+10FFFF
    public void Ill_formed_bytes_are_found_at_their_index(string hex, int index)
    {
        Assert.Equal(index, MqttUtf8.FindInvalid(Hex.Parse(hex), out var reason));
        Assert.Equal(MqttErrorReason.InvalidUtf8, reason);
    }

    [Theory]
    [Trait("spec", "MQTT-1.5.3-2")]
    [InlineData("00", 0)]
    [InlineData("61 62 00", 2)]
    [InlineData("C3 A9 00 ED A0 80", 2)]    // the first violation wins
    public void Null_character_is_found_at_its_index(string hex, int index)
    {
        Assert.Equal(index, MqttUtf8.FindInvalid(Hex.Parse(hex), out var reason));
        Assert.Equal(MqttErrorReason.NullCharacter, reason);
    }

    [Theory]
    [Trait("spec", "MQTT-1.5.3-1")]
    [InlineData("\\uD800", 0)]
    [InlineData("ab\\uDC00", 2)]
    [InlineData("a\\uDE00\\uD83D", 1)]    // reversed pair: both halves are lone
    [InlineData("\\uD83D\\uDE00\\uD83D", 2)] // a valid pair, then a lone high surrogate
    public void Lone_surrogate_is_refused_on_encode(string escaped, int index)
    {
        var value = Escaped.Unescape(escaped);
        var e = ProtocolAssert.RefusesArgument(() => MqttUtf8.GetByteCount(value, "clientId"), "MQTT-1.5.3-1");
        Assert.Contains($"lone surrogate at character {index}", e.Message);
        Assert.Equal("clientId", e.ParamName);
    }

    [Theory]
    [Trait("spec", "MQTT-1.5.3-2")]
    [InlineData("\0", 0)]
    [InlineData("a/b\0", 3)]
    public void Null_character_is_refused_on_encode(string value, int index)
    {
        var e = ProtocolAssert.RefusesArgument(() => MqttUtf8.GetBytes(value, "userName"), "MQTT-1.5.3-2");
        Assert.Contains($"U+0000 at character {index}", e.Message);
    }

    [Fact]
    [Trait("spec", "MQTT-1.5.3-3")]
    public void Byte_order_mark_is_kept_both_ways()
    {
        var bytes = MqttUtf8.GetBytes("\uFEFFa", "topic");
        Assert.Equal("EF BB BF 61", Hex.Format(bytes));
        Assert.Equal("\uFEFFa", MqttUtf8.Decode(bytes));
    }

    [Fact]
    [Trait("spec", "MQTT-1.5.3")]
    public void Length_limit_counts_bytes_not_characters()
    {
        // '€' is 3 UTF-8 bytes: 21,845 of them are exactly 65,535 bytes.
        Assert.Equal(65_535, MqttUtf8.GetByteCount(new string('€', 21_845), "s"));
        var e = ProtocolAssert.RefusesArgument(() => MqttUtf8.GetByteCount(new string('€', 21_846), "s"), "MQTT-1.5.3");
        Assert.Contains("65538 UTF-8 bytes", e.Message);
    }

    [Fact]
    public void Encodes_non_ascii_exactly_like_utf8()
    {
        const string s = "zé€😀";
        Assert.Equal(Encoding.UTF8.GetBytes(s), MqttUtf8.GetBytes(s, "s"));
        Assert.Equal(s, MqttUtf8.Decode(Encoding.UTF8.GetBytes(s)));
    }
}

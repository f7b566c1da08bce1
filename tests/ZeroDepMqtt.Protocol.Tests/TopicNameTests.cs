using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests;

public class TopicNameTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("/finance")]
    [InlineData("sport/tennis/player1 ranking")]
    [InlineData("$SYS/broker/load")]
    [InlineData("zé/€/😀")]
    public void Valid_topics_encode_to_their_utf8(string topic)
    {
        var name = TopicName.Create(topic);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(topic), name.Utf8.ToArray());
        Assert.Equal(topic, name.ToString());
        Assert.False(name.IsEmpty);
    }

    [Fact]
    [Trait("spec", "MQTT-4.7.3-1")]
    public void Empty_topic_is_refused() => ProtocolAssert.RefusesArgument(() => TopicName.Create(""), "MQTT-4.7.3-1");

    [Theory]
    [Trait("spec", "MQTT-3.3.2-2")]
    [Trait("spec", "MQTT-4.7.1-1")]
    [InlineData("a/+", '+', 2)]
    [InlineData("#", '#', 0)]
    [InlineData("sport/tennis#", '#', 12)]
    [InlineData("é+", '+', 1)]
    public void Wildcards_are_refused(string topic, char wildcard, int index)
    {
        var e = ProtocolAssert.RefusesArgument(() => TopicName.Create(topic), "MQTT-3.3.2-2");
        Assert.Contains($"wildcard '{wildcard}' at character {index}", e.Message);
    }

    [Fact]
    [Trait("spec", "MQTT-4.7.3-2")]
    [Trait("spec", "MQTT-1.5.3-2")]
    public void Null_character_is_refused() => ProtocolAssert.RefusesArgument(() => TopicName.Create("a\0b"), "MQTT-1.5.3-2");

    [Fact]
    [Trait("spec", "MQTT-1.5.3-1")]
    public void Lone_surrogate_is_refused() => ProtocolAssert.RefusesArgument(() => TopicName.Create("a/\uD83D"), "MQTT-1.5.3-1");

    [Fact]
    [Trait("spec", "MQTT-4.7.3-3")]
    public void At_most_65535_bytes_counting_bytes_not_characters()
    {
        Assert.Equal(65_535, TopicName.Create(new string('a', 65_535)).Utf8.Length);
        // 32,767 × 'é' (2 bytes) + 'a' = 65,535 bytes in 32,768 characters.
        Assert.Equal(65_535, TopicName.Create(new string('é', 32_767) + "a").Utf8.Length);
        ProtocolAssert.RefusesArgument(() => TopicName.Create(new string('a', 65_536)), "MQTT-4.7.3-3");
        // 32,768 characters, far below 65,535, but 65,536 bytes.
        var e = ProtocolAssert.RefusesArgument(() => TopicName.Create(new string('é', 32_768)), "MQTT-4.7.3-3");
        Assert.Contains("65536", e.Message);
    }

    [Fact]
    [Trait("spec", "MQTT-1.5.3-3")]
    [Trait("spec", "MQTT-4.7.3-4")]
    public void Topics_are_not_normalised()
    {
        // U+FEFF is kept, and "é" precomposed differs from "e" + U+0301.
        Assert.Equal("EF BB BF 61", Hex.Format(TopicName.Create("\uFEFFa").Utf8.Span));
        Assert.NotEqual(TopicName.Create("\u00E9"), TopicName.Create("e\u0301"));
    }

    [Fact]
    public void Equality_is_by_bytes()
    {
        Assert.Equal(TopicName.Create("a/b"), TopicName.Create("a/b"));
        Assert.True(TopicName.Create("a/b") == TopicName.Create("a/b"));
        Assert.True(TopicName.Create("a/b") != TopicName.Create("a/B"));
        Assert.Equal(TopicName.Create("a/b").GetHashCode(), TopicName.Create("a/b").GetHashCode());
        Assert.True(default(TopicName).IsEmpty);
        Assert.Equal("", default(TopicName).ToString());
    }
}

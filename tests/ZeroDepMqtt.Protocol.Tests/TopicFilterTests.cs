using ZeroDepMqtt.Protocol.Tests.TestSupport;

namespace ZeroDepMqtt.Protocol.Tests;

public class TopicFilterTests
{
    [Theory]
    [Trait("spec", "MQTT-4.7.1-2")]
    [Trait("spec", "MQTT-4.7.1-3")]
    [InlineData("#")]
    [InlineData("a/#")]
    [InlineData("/#")]
    [InlineData("+")]
    [InlineData("+/a/#")]
    [InlineData("a/+/b")]
    [InlineData("+/+")]
    [InlineData("/+")]
    [InlineData("a//b")]
    [InlineData("sport/tennis/player1/#")]
    [InlineData("é/+/€")]
    public void Valid_filters_pass(string filter)
    {
        Assert.Equal(-1, TopicFilter.FindInvalid(filter, out _, out _));
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(filter), TopicFilter.GetByteCount(filter, "filter"));
    }

    [Theory]
    [Trait("spec", "MQTT-4.7.1-2")]
    [InlineData("a#", 1)]
    [InlineData("a/#/b", 2)]
    [InlineData("#/", 0)]
    [InlineData("sport/tennis#", 12)]
    [InlineData("##", 0)]
    public void Misplaced_hash_is_refused(string filter, int index)
    {
        Assert.Equal(index, TopicFilter.FindInvalid(filter, out var problem, out var specId));
        Assert.Equal("MQTT-4.7.1-2", specId);
        Assert.Contains("'#'", problem);
        var e = ProtocolAssert.RefusesArgument(() => TopicFilter.GetByteCount(filter, "filter"), "MQTT-4.7.1-2");
        Assert.Contains($"character {index}", e.Message);
    }

    [Theory]
    [Trait("spec", "MQTT-4.7.1-3")]
    [InlineData("a+", 1)]
    [InlineData("a/b+", 3)]
    [InlineData("+a", 0)]
    [InlineData("sport+", 5)]
    [InlineData("a/+b/c", 2)]
    [InlineData("++", 0)]
    public void Partial_level_plus_is_refused(string filter, int index)
    {
        Assert.Equal(index, TopicFilter.FindInvalid(filter, out _, out var specId));
        Assert.Equal("MQTT-4.7.1-3", specId);
        ProtocolAssert.RefusesArgument(() => TopicFilter.GetByteCount(filter, "filter"), "MQTT-4.7.1-3");
    }

    [Fact]
    [Trait("spec", "MQTT-4.7.3-1")]
    public void Empty_filter_is_refused() => ProtocolAssert.RefusesArgument(() => TopicFilter.GetByteCount("", "filter"), "MQTT-4.7.3-1");

    [Fact]
    [Trait("spec", "MQTT-4.7.3-2")]
    [Trait("spec", "MQTT-1.5.3-2")]
    public void Null_character_is_refused() => ProtocolAssert.RefusesArgument(() => TopicFilter.GetByteCount("a/\0", "filter"), "MQTT-1.5.3-2");

    [Fact]
    [Trait("spec", "MQTT-4.7.3-3")]
    public void At_most_65535_bytes()
    {
        Assert.Equal(65_535, TopicFilter.GetByteCount(new string('é', 32_767) + "a", "filter"));
        ProtocolAssert.RefusesArgument(() => TopicFilter.GetByteCount(new string('é', 32_768), "filter"), "MQTT-4.7.3-3");
    }

    // The examples of MQTT 3.1.1 §4.7.1 and §4.7.2.
    [Theory]
    [Trait("spec", "MQTT-4.7")]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/#", "sport", true)]
    [InlineData("#", "sport/tennis", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)]
    [InlineData("sport/+", "sport/", true)]
    [InlineData("+/+", "/finance", true)]
    [InlineData("/+", "/finance", true)]
    [InlineData("+", "/finance", false)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "A/b", false)]
    [InlineData("a/b", "a/b/", false)]
    [InlineData("a//b", "a//b", true)]
    [InlineData("a/+/b", "a//b", true)]
    public void Matches_the_spec_examples(string filter, string topic, bool matches)
        => Assert.Equal(matches, TopicFilter.Matches(filter, topic));

    [Theory]
    [Trait("spec", "MQTT-4.7.2-1")]
    [InlineData("#", "$SYS/x", false)]
    [InlineData("+/monitor/Clients", "$SYS/monitor/Clients", false)]
    [InlineData("$SYS/#", "$SYS/monitor/Clients", true)]
    [InlineData("$SYS/monitor/+", "$SYS/monitor/Clients", true)]
    public void Leading_wildcards_do_not_match_dollar_topics(string filter, string topic, bool matches)
        => Assert.Equal(matches, TopicFilter.Matches(filter, topic));
}

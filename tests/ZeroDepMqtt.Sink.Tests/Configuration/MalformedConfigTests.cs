namespace ZeroDepMqtt.Sink.Tests.Configuration;

public sealed class MalformedConfigTests(TestFiles files) : IClassFixture<TestFiles>
{
    [Fact]
    public void The_table_has_at_least_forty_cases() => Assert.True(MalformedCases.All.Count >= 40, $"{MalformedCases.All.Count} cases");

    [Theory]
    [MemberData(nameof(MalformedCases.Ids), MemberType = typeof(MalformedCases))]
    public void Each_malformed_config_is_an_error_naming_the_option_and_the_problem(string id)
    {
        var c = MalformedCases.All[id];
        var result = MalformedCases.Run(c, files);

        Assert.False(result.IsValid);
        Assert.Null(result.Settings);
        Assert.True(result.Errors.Any(e => e.Option == c.Option && e.Message.Contains(c.Fragment, StringComparison.Ordinal)),
            $"expected {c.Option ?? "(document)"}: …{c.Fragment}…; got:\n  " + string.Join("\n  ", result.Errors));
        Assert.Throws<ConfigurationException>(() => result.GetSettingsOrThrow());
    }
}

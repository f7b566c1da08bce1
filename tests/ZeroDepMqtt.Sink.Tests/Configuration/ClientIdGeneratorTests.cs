using ZeroDepMqtt.Sink.Configuration;

namespace ZeroDepMqtt.Sink.Tests.Configuration;

public sealed class ClientIdGeneratorTests
{
    [Fact]
    [Trait("spec", "MQTT-3.1.3-5")]
    public void Ids_are_23_alphanumerics_and_distinct()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => ClientIdGenerator.Create()).ToList();
        Assert.All(ids, id =>
        {
            Assert.Equal(23, id.Length);
            Assert.StartsWith("zdmqtt", id, StringComparison.Ordinal);
            Assert.True(id.All(char.IsAsciiLetterOrDigit), id);
        });
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }
}

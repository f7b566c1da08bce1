using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Support;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>The broker abstraction itself: a restart keeps the port and the broker takes clients again.</summary>
public sealed class BrokerUnderTestTests(ITestOutputHelper output)
{
    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.Brokers), MemberType = typeof(BrokerFactory))]
    public async Task Restart_keeps_the_port_and_accepts_clients_again(BrokerKind kind)
    {
        await using var broker = await BrokerFactory.StartAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            int port = broker.Port;
            await using (var before = await InteropClients.ConnectAsync(InteropClients.Options(broker, "before"))) Assert.True(before.IsConnected);
            await broker.RestartAsync();
            Assert.Equal(port, broker.Port);
            await using var after = await InteropClients.ConnectAsync(InteropClients.Options(broker, "after"));
            Assert.True(after.IsConnected);
        });
    }
}

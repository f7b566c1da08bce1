using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport.Tests.Support;

namespace ZeroDepMqtt.Transport.Tests.Connections;

/// <summary>Failover lists (<see cref="MqttClientOptions.AlternateBrokers"/>) against real Mosquitto brokers.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Nothing listens on port 1 of loopback: the attempt is refused at once.
    private static readonly BrokerAddress Dead = new("127.0.0.1", 1, useTls: false);

    [Fact]
    public async Task A_dead_first_address_is_skipped_for_the_next_one()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var options = TestClients.Options(broker, "fo-skip") with { Broker = Dead, AlternateBrokers = [broker.Address()] };
        await using var client = await TestClients.ConnectAsync(options);
        Assert.Equal(broker.Address(), client.CurrentBroker);
        await client.PublishAsync("failover/skip", "x"u8.ToArray(), QualityOfService.AtLeastOnce);
    }

    [Fact]
    public async Task When_the_broker_in_use_stops_the_client_moves_on_and_unacknowledged_publishes_complete_there()
    {
        await using var first = await MosquittoBroker.StartAsync();
        await using var second = await MosquittoBroker.StartAsync();
        try
        {
            var options = TestClients.Options(first, "fo-move") with { AlternateBrokers = [second.Address()] };
            await using var client = await TestClients.ConnectAsync(options);
            Assert.Equal(first.Address(), client.CurrentBroker);
            var movedTo = new TaskCompletionSource<BrokerAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
            bool stopped = false;
            client.Connected += _ => { if (Volatile.Read(ref stopped)) movedTo.TrySetResult(client.CurrentBroker); };

            await first.Kill9Async();
            Volatile.Write(ref stopped, true);
            // Issued while the client notices the loss: they wait in the queue and go to the second broker.
            var publishes = Enumerable.Range(0, 20).Select(i => client.PublishAsync("failover/move", new[] { (byte)i }, QualityOfService.AtLeastOnce).AsTask()).ToArray();
            Assert.Equal(second.Address(), await movedTo.Task.WaitAsync(Timeout));
            await Task.WhenAll(publishes).Within(Timeout, "every publish completed on the second broker");
            Assert.Contains($"as {options.ClientId}", second.ReadLog());
        }
        catch
        {
            output.WriteLine(first.LogTail());
            output.WriteLine(second.LogTail());
            throw;
        }
    }

    [Fact]
    public async Task MaxAttempts_counts_attempts_across_the_list()
    {
        var options = new MqttClientOptions
        {
            Broker = Dead,
            AlternateBrokers = [new BrokerAddress("127.0.0.1", 2, useTls: false)],
            ClientId = TestClients.Id("fo-give"),
            Reconnect = new ReconnectOptions { MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) },
        };
        await using var client = new MqttClient(options);
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Timeout, "ConnectAsync gave up"));
        output.WriteLine(e.Message);
        // Attempts 1..4 alternate 1, 2, 1, 2: the fourth (the last) was on the second address.
        Assert.StartsWith("gave up after 4 failed connection attempt(s) to tcp://127.0.0.1:2", e.Message);
    }
}

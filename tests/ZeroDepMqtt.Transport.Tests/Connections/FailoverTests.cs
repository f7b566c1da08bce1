using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

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

    [Fact]
    public async Task The_backoff_grows_per_round_of_the_list_not_per_address_tried()
    {
        // Three dead addresses, a 1 s initial delay: rounds 1, 2, 3 wait at most 1, 2, 4 s. Counted per attempt (3, 6, 9)
        // the ceilings would be 4, 32 and 256 s. The fake clock records every timer the client arms; the connect timeout
        // is an hour, so any shorter timer is a backoff delay.
        var time = new RecordingTimeProvider();
        var options = new MqttClientOptions
        {
            Broker = Dead,
            AlternateBrokers = [new BrokerAddress("127.0.0.1", 2, useTls: false), new BrokerAddress("127.0.0.1", 3, useTls: false)],
            ClientId = TestClients.Id("fo-round"),
            ConnectTimeout = TimeSpan.FromHours(1),
            TimeProvider = time,
            Reconnect = new ReconnectOptions { MaxAttempts = 12, InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromHours(1) },
        };
        await using var client = new MqttClient(options);
        var connect = client.ConnectAsync().AsTask();
        var delays = new List<TimeSpan>();
        for (int round = 0; round < 3; round++)
        {
            var delay = await time.NextBackoff.Task.Within(Timeout, $"the backoff after round {round + 1}");
            time.NextBackoff = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            delays.Add(delay);
            time.Advance(delay);
        }
        output.WriteLine(string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0} ms")));
        for (int round = 0; round < 3; round++)
            Assert.InRange(delays[round], TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1 << round));
        client.Abort(new InvalidOperationException("test over"));
        await Assert.ThrowsAnyAsync<Exception>(() => connect.Within(Timeout, "ConnectAsync ended"));
    }

    private sealed class RecordingTimeProvider : Microsoft.Extensions.Time.Testing.FakeTimeProvider
    {
        public TaskCompletionSource<TimeSpan> NextBackoff = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime > TimeSpan.Zero && dueTime < TimeSpan.FromMinutes(30)) Volatile.Read(ref NextBackoff).TrySetResult(dueTime);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}

using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests.RabbitMq;

/// <summary>
/// Failover across a real two-node RabbitMQ cluster on loopback: a publisher with both nodes in its list publishes
/// QoS 1 while the node it is connected to is killed (SIGKILL); a durable subscriber (clean session off) on the other
/// node must receive every message. Prints sent, received, duplicates and the time from the kill to the next CONNACK.
/// </summary>
public sealed class RabbitMqClusterTests(ITestOutputHelper output)
{
    private const int Count = 3000;
    private const int KillAfter = 1000;

    [RabbitMqFact]
    public async Task Publisher_fails_over_when_its_node_is_killed_and_the_subscriber_on_the_other_node_gets_every_message()
    {
        string home = Directory.CreateTempSubdirectory("zdmqtt-rabbitmq-cluster-").FullName;
        await using var first = new RabbitMqNode(home: home);
        await using var second = new RabbitMqNode(home: home);
        try
        {
            // One after the other: two Erlang VMs starting at once on 2 cores only slow each other down.
            await first.StartAsync();
            await second.StartAsync();
            await second.JoinAsync(first);
            output.WriteLine(await first.CtlAsync(["cluster_status"]));
            await RunAsync(first, second);
        }
        catch
        {
            output.WriteLine(first.LogTail(80));
            output.WriteLine(second.LogTail(80));
            throw;
        }
        finally
        {
            try { Directory.Delete(home, recursive: true); } catch (IOException) { }
        }
    }

    private async Task RunAsync(RabbitMqNode first, RabbitMqNode second)
    {
        string topic = InteropClients.NewTopic("cluster");
        var subscriberOptions = InteropClients.Options(second, "csub") with { CleanSession = false };
        await using var subscriber = await InteropClients.ConnectAsync(subscriberOptions);
        Assert.Equal(QualityOfService.AtLeastOnce, await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce));

        var publisherOptions = InteropClients.Options(first, "cpub") with
        {
            Broker = new BrokerAddress("127.0.0.1", first.Port, useTls: false),
            AlternateBrokers = [new BrokerAddress("127.0.0.1", second.Port, useTls: false)],
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        await using var publisher = await InteropClients.ConnectAsync(publisherOptions);
        Assert.Equal(first.Port, publisher.CurrentBroker.Port);
        var reconnected = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        publisher.Connected += _ => { if (clock.IsRunning) reconnected.TrySetResult(clock.Elapsed); };

        var publishes = new Task[Count];
        for (int i = 0; i < Count; i++)
        {
            publishes[i] = publisher.PublishAsync(topic, Encoding.ASCII.GetBytes(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)), QualityOfService.AtLeastOnce).AsTask();
            if (i == KillAfter)
            {
                // Some of what came before is acknowledged, some in flight: the kill lands in the middle of the stream.
                await publishes[KillAfter / 2];
                clock.Start();
                await first.Kill9Async();
            }
        }
        await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromMinutes(2));
        var failover = await reconnected.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(second.Port, publisher.CurrentBroker.Port);

        var seen = new HashSet<string>();
        int duplicates = 0;
        var received = await subscriber.ReceiveUntilAsync(r =>
        {
            if (r.Count > 0 && !seen.Add(Encoding.ASCII.GetString(r[^1].Payload.Span))) duplicates++;
            return seen.Count == Count;
        }, TimeSpan.FromMinutes(1));
        output.WriteLine($"sent {Count}, received {received.Count} ({seen.Count} distinct, {duplicates} duplicates), failover {failover.TotalMilliseconds:0} ms from SIGKILL to CONNACK on {publisher.CurrentBroker}");
        var missing = Enumerable.Range(0, Count).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Where(p => !seen.Contains(p)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} message(s) never arrived, first: {string.Join(", ", missing.Take(10))}");
    }
}

using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>Keep-alive and DISCONNECT as a real Mosquitto sees them (its log has <c>log_type all</c>).</summary>
[Collection(BrokerCollections.Plain)]
public sealed class KeepAliveTests(PlainMosquittoFixture fixture, ITestOutputHelper output)
{
    private MosquittoBroker Broker => fixture.Broker;

    private int Count(string line) => Broker.ReadLog().Split('\n').Count(l => l.TrimEnd().EndsWith(line, StringComparison.Ordinal));

    [Fact]
    [Trait("spec", "MQTT-3.1.2-23")]
    [Trait("spec", "MQTT-3.12.4-1")]
    public Task Idle_client_pings_within_Keep_Alive_and_stays_connected() => output.OnFailureAsync(Broker, async () =>
    {
        var options = TestClients.Options(Broker, "ka") with { KeepAliveSeconds = 1, PingTimeout = TimeSpan.FromSeconds(1) };
        await using var client = await TestClients.ConnectAsync(options);
        var events = new ClientEvents(client);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Idle: nothing but PINGREQ is sent. The timing proof is the broker's: Mosquitto drops a client silent for
        // 1.5 x Keep Alive, so still being connected after two PINGREQs means they came in time. The 20 s are a hang guard.
        await Eventually.WaitUntilAsync(() => Count($"Received PINGREQ from {options.ClientId}") >= 2, TimeSpan.FromSeconds(20),
            "the broker logged two PINGREQs");
        output.WriteLine($"two PINGREQs after {clock.ElapsedMilliseconds} ms");
        await Eventually.WaitUntilAsync(() => Count($"Sending PINGRESP to {options.ClientId}") >= 2, TimeSpan.FromSeconds(20), "the broker answered");
        Assert.True(client.IsConnected);
        Assert.Empty(events.Lost);
        Assert.Equal(1, client.Metrics.Connections);
        Assert.Contains($" as {options.ClientId} (p2, c0, k1", Broker.ReadLog());
    });

    [Fact]
    [Trait("spec", "MQTT-3.14.4-1")]
    [Trait("spec", "MQTT-3.14.4-2")]
    public Task DisconnectAsync_waits_for_acknowledgements_then_disconnects_cleanly() => output.OnFailureAsync(Broker, async () =>
    {
        const int count = 200;
        var options = TestClients.Options(Broker, "bye");
        var client = await TestClients.ConnectAsync(options);
        await using var owned = client;
        var publishes = new List<ValueTask>(count);
        for (int i = 0; i < count; i++) publishes.Add(client.PublishAsync("bye/" + options.ClientId, BitConverter.GetBytes(i), QualityOfService.AtLeastOnce));
        // Right away, with the messages still in flight.
        await client.DisconnectAsync().AsTask().Within(TimeSpan.FromSeconds(10), "DisconnectAsync returned");
        foreach (var p in publishes) Assert.True(p.IsCompletedSuccessfully, "a QoS 1 publish was not acknowledged before DISCONNECT");
        foreach (var p in publishes) await p;
        Assert.Equal(MqttCloseReason.ClientDisconnected, client.LastCloseReason);
        Assert.False(client.IsConnected);

        string id = options.ClientId;
        await Eventually.WaitUntilAsync(() => Broker.ReadLog().Contains($"Client {id} disconnected."), TimeSpan.FromSeconds(5), "the broker logged a clean disconnect");
        var lines = Broker.ReadLog().Split('\n').Where(l => l.Contains(id, StringComparison.Ordinal)).ToList();
        int disconnect = lines.FindIndex(l => l.EndsWith($"Received DISCONNECT from {id}", StringComparison.Ordinal));
        Assert.True(disconnect >= 0, "no DISCONNECT in the broker log");
        Assert.Equal(count, lines.Take(disconnect).Count(l => l.Contains($"Sending PUBACK to {id}", StringComparison.Ordinal)));
        // Nothing after DISCONNECT (MQTT-3.14.4-2), and the socket closed by the client without an error (MQTT-3.14.4-1).
        Assert.DoesNotContain(lines.Skip(disconnect + 1), l => l.Contains("Received", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("closed its connection", StringComparison.Ordinal) || l.Contains("Socket error", StringComparison.Ordinal));
    });
}

using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>Connecting to a real Mosquitto that is down at first, or that refuses the credentials.</summary>
public sealed class MqttClientConnectionTests(ITestOutputHelper output) : IDisposable
{
    private readonly UnobservedTaskExceptions _unobserved = new();

    /// <summary>No loop of the client may die with an exception nobody saw.</summary>
    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }

    [Fact]
    public async Task ConnectAsync_keeps_retrying_while_the_broker_is_down_and_succeeds_once_it_starts()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await broker.StopAsync(); // the port is known and nobody listens on it
        await output.OnFailureAsync(broker, async () =>
        {
            await using var client = new MqttClient(TestClients.Options(broker, "down"));
            var events = new ClientEvents(client);
            var connecting = client.ConnectAsync().AsTask();
            // Refused TCP connections, one after another: retried, not reported to the caller.
            await events.WaitForLostAsync(3, TimeSpan.FromSeconds(10));
            Assert.All(events.Lost, l => Assert.Equal(MqttCloseReason.NetworkError, l.Reason));
            Assert.False(connecting.IsCompleted);

            await broker.StartAgainAsync();
            await connecting.Within(TimeSpan.FromSeconds(10), "connected once the broker started");
            Assert.True(client.IsConnected);
            await client.PublishAsync("down/after", "up"u8.ToArray(), QualityOfService.AtLeastOnce);
        });
    }

    [Fact]
    public async Task ConnectAsync_gives_up_after_GiveUpAfter_naming_the_broker()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await broker.StopAsync();
        var options = TestClients.Options(broker, "giveup") with
        {
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100), GiveUpAfter = TimeSpan.FromSeconds(1) },
        };
        await using var client = new MqttClient(options);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(TimeSpan.FromSeconds(10), "ConnectAsync gave up"));
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {e.Message}");
        Assert.Equal(MqttCloseReason.NetworkError, e.Reason);
        Assert.Contains(options.Broker.ToString(), e.Message);
        Assert.Contains("gave up after 1 s", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        // The client is done for: a publish fails at once instead of waiting.
        await Assert.ThrowsAsync<MqttClientException>(() => client.PublishAsync("t", "x"u8.ToArray()).AsTask());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V310)]
    [Trait("spec", "MQTT-3.2.2-5")]
    public async Task Wrong_password_is_refused_with_the_return_code_and_never_shown(MqttProtocolVersion version)
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Users = TestCredentials.Users });
        await output.OnFailureAsync(broker, async () =>
        {
            const string secret = "Wr0ng-p4ssw0rd-s3cr3t";
            var options = TestClients.Options(broker, "pw") with
            {
                ProtocolVersion = version,
                UserName = TestCredentials.UserName,
                PasswordProvider = _ => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes(secret)),
            };
            await using var client = new MqttClient(options);
            var e = await Assert.ThrowsAsync<MqttConnectionRefusedException>(() => client.ConnectAsync().AsTask().Within(TimeSpan.FromSeconds(10), "refused"));
            output.WriteLine(e.ToString());
            // Mosquitto 2.0.11 answers a wrong password with 5 (not authorized), not 4.
            Assert.Equal(ConnectReturnCode.NotAuthorized, e.ReturnCode);
            Assert.Equal(MqttCloseReason.Refused, client.LastCloseReason);
            foreach (var text in new[] { e.Message, e.ToString(), client.LastCloseError?.ToString() ?? "", options.ToString() })
                Assert.DoesNotContain(secret, text);
            // Mosquitto names the refused client <unknown>; it may log the line just after our close.
            await Eventually.WaitUntilAsync(() => broker.ReadLog().Contains("disconnected, not authorised"), TimeSpan.FromSeconds(5), "the broker's refusal in its log");

            // With the right password the same options connect.
            await using var ok = await TestClients.ConnectAsync(options with
            {
                ClientId = TestClients.Id("pw-ok"),
                PasswordProvider = _ => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes(TestCredentials.Password)),
            });
            Assert.True(ok.IsConnected);
        });
    }
}

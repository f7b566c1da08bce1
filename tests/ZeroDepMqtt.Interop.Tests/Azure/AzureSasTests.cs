using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Sink;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests.Azure;

/// <summary>aedes with an <c>authenticate</c> hook that checks Azure SAS tokens as IoT Hub does (the documented HMAC, in
/// JavaScript, apart from the sink's code) and closes each connection when its token expires.</summary>
public sealed class AzureSasFixture : IAsyncLifetime
{
    /// <summary>A test device key (32 random bytes, base64).</summary>
    public static readonly string Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>aedes checking SAS tokens for <c>127.0.0.1/devices/{client id}</c> made from <see cref="Key"/>.</summary>
    public AedesBroker Broker { get; } = new(null, null, new Dictionary<string, string> { ["AEDES_SAS_KEY"] = Key });

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        if (AedesInstall.SkipReason is not null) return;
        await Broker.StartAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary><c>sharedAccessKey</c> end to end: a token the hub-like broker accepts, a new one for every connection,
/// renewed before the broker would drop the connection; a wrong key refused; a token nobody renews dropped at expiry.</summary>
public sealed class AzureSasTests(AzureSasFixture fixture, ITestOutputHelper output) : IClassFixture<AzureSasFixture>
{
    private static readonly TimeSpan LongDeadline = TimeSpan.FromSeconds(90);

    private string Config(string clientId, string key, int ttl, string topic)
        => $$"""{"server": "tcp://127.0.0.1:{{fixture.Broker.Port}}", "topic": "{{topic}}", "clientId": "{{clientId}}", "protocolVersion": "3.1.1", "qos": 1, "username": "127.0.0.1/{{clientId}}/?api-version=2021-04-12", "sharedAccessKey": "{{key}}", "sasTokenTtl": {{ttl}}}""";

    private int Count(string line) => Regex.Matches(fixture.Broker.LogTail(100_000), Regex.Escape(line)).Count;

    [AedesFact]
    public Task The_sink_renews_its_token_before_expiry_and_the_broker_never_drops_it()
        => output.OnFailureAsync(fixture.Broker, async () =>
        {
            string id = InteropClients.NewClientId("sas");
            var settings = MqttSinkConfig.Parse(Config(id, AzureSasFixture.Key, 10, InteropClients.NewTopic("sas"))).GetSettingsOrThrow();
            await using var sink = new MqttSink(settings);
            await sink.StartAsync();
            // Publish (QoS 1, each acknowledged) until the broker accepted four tokens: the start's session discard, the
            // session's first connection and two renewals, ~8 s apart (a 10 s token is renewed 2 s before it expires).
            var deadline = Stopwatch.StartNew();
            long published = 0;
            while (Count($"sas accepted {id}") < 4)
            {
                Assert.True(deadline.Elapsed < LongDeadline, $"fewer than 4 accepted tokens after {LongDeadline.TotalSeconds} s");
                await sink.PublishAsync(Encoding.UTF8.GetBytes($"m{published++}")).AsTask().WaitAsync(InteropClients.Deadline);
                await Task.Delay(20);   // pacing only: a steady trickle across the renewals, not a flood
            }
            var done = await sink.CompleteAsync();
            output.WriteLine($"published {published}, acknowledged {done.Acknowledged}, connections lost {done.ConnectionsLost}");
            Assert.True(done.AllAcknowledged, done.Reason);
            Assert.Equal(published, done.Acknowledged);
            // Each renewal was our close, before the token's expiry: the broker never had to drop a connection.
            Assert.Equal(0, Count($"sas expired, closing {id}"));
            Assert.Equal(0, done.ConnectionsLost);
            Assert.Equal(0, Count($"sas refused {id}"));
            // Each renewal carried a new token (a later se=); the first two connections start within the same second.
            var expiries = Regex.Matches(fixture.Broker.LogTail(100_000), $"sas accepted {Regex.Escape(id)} se (\\d+)").Select(m => long.Parse(m.Groups[1].Value)).ToList();
            Assert.True(expiries.Distinct().Count() >= 3, string.Join(", ", expiries));
        });

    [AedesFact]
    public Task A_wrong_key_is_refused()
        => output.OnFailureAsync(fixture.Broker, async () =>
        {
            string id = InteropClients.NewClientId("sasbad");
            string wrong = Convert.ToBase64String(new byte[32]);
            var settings = MqttSinkConfig.Parse(Config(id, wrong, 3600, "t")).GetSettingsOrThrow();
            await using var sink = new MqttSink(settings);
            var e = await Assert.ThrowsAsync<MqttSinkException>(() => sink.StartAsync().AsTask().WaitAsync(LongDeadline));
            Assert.Equal(SinkErrorKind.Refused, e.Kind);
            Assert.Contains($"sas refused {id} signature does not match", fixture.Broker.LogTail(400));
        });

    [AedesFact]
    public Task Without_renewal_the_broker_drops_the_connection_at_expiry()
        => output.OnFailureAsync(fixture.Broker, async () =>
        {
            // The broker side of the check above: a client that keeps a token past its expiry is closed by the broker.
            string id = InteropClients.NewClientId("sasold");
            byte[] key = Convert.FromBase64String(AzureSasFixture.Key);
            var lost = new TaskCompletionSource<MqttCloseReason>(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = InteropClients.Options(fixture.Broker, "sasold") with
            {
                ClientId = id,
                UserName = $"127.0.0.1/{id}/?api-version=2021-04-12",
                PasswordProvider = _ => ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes(
                    AzureSasToken.Create(key, AzureSasToken.DeviceResource("127.0.0.1", id), DateTimeOffset.UtcNow.AddSeconds(3)))),
            };
            await using var client = new MqttClient(options);
            client.ConnectionLost += (reason, _) => lost.TrySetResult(reason);
            await client.ConnectAsync().AsTask().WaitAsync(InteropClients.Deadline);
            Assert.Equal(MqttCloseReason.BrokerClosed, await lost.Task.WaitAsync(LongDeadline));
            Assert.Contains($"sas expired, closing {id}", fixture.Broker.LogTail(400));
        });
}

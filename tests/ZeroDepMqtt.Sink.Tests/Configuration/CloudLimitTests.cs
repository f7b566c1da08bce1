using ZeroDepMqtt.Sink.Configuration;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Configuration;

/// <summary>Azure IoT Hub's and AWS IoT's payload and keep-alive limits: shown and warned at validate time, and a payload
/// over the limit refused by the sink instead of the cloud closing the connection.</summary>
public sealed class CloudLimitTests(TestFiles files) : IClassFixture<TestFiles>
{
    private ConfigResult Parse(string server, int keepAlive = 60)
        => MqttSinkConfig.Resolve(new MqttSinkOptions { Server = server, Topic = "t" },
            new ConfigContext { BaseDirectory = files.Dir, Time = files.Context.Time, KeepAliveSeconds = keepAlive });

    [Theory]
    [InlineData("ssl://hub.azure-devices.net:8883", "cloud limits          Azure IoT Hub: payload at most 262144 bytes (larger ones are refused), keep-alive at most 1177 s, QoS 0 and 1\n")]
    [InlineData("ssl://abc-ats.iot.us-east-1.amazonaws.com:8883", "cloud limits          AWS IoT: payload at most 131072 bytes (larger ones are refused), keep-alive 30 to 1200 s, QoS 0 and 1\n")]
    public void Validate_shows_the_limits_of_the_cloud_the_host_names(string server, string line)
    {
        var settings = Parse(server).GetSettingsOrThrow();
        Assert.Contains(line, settings.Describe());
        Assert.Empty(Parse(server).Warnings);
    }

    [Fact]
    public void Another_host_has_no_limits()
    {
        var settings = Parse("ssl://broker.example:8883").GetSettingsOrThrow();
        Assert.Null(settings.CloudMaxPayloadBytes);
        Assert.DoesNotContain("cloud limits", settings.Describe());
    }

    [Theory]
    [InlineData("ssl://hub.azure-devices.net:8883", 1178, "keep-alive 1178 s is outside what Azure IoT Hub (hub.azure-devices.net) accepts, at most 1177 s: it uses its own value instead, so a dead connection is noticed at a different time than configured")]
    [InlineData("ssl://hub.azure-devices.net:8883", 0, "keep-alive 0 (off) is outside what Azure IoT Hub (hub.azure-devices.net) accepts, at most 1177 s: it uses its own value instead, so a dead connection is noticed at a different time than configured")]
    [InlineData("ssl://a.iot.eu-west-1.amazonaws.com:8883", 29, "keep-alive 29 s is outside what AWS IoT (a.iot.eu-west-1.amazonaws.com) accepts, 30 to 1200 s: it uses its own value instead, so a dead connection is noticed at a different time than configured")]
    [InlineData("ssl://a.iot.eu-west-1.amazonaws.com:8883", 1201, "keep-alive 1201 s is outside what AWS IoT (a.iot.eu-west-1.amazonaws.com) accepts, 30 to 1200 s: it uses its own value instead, so a dead connection is noticed at a different time than configured")]
    public void A_keep_alive_outside_the_cloud_bounds_is_warned(string server, int keepAlive, string expected)
    {
        Assert.Contains(expected, Parse(server, keepAlive).Warnings.Select(w => w.ToString()));
        var settings = Parse(server).GetSettingsOrThrow();
        Assert.Equal([expected], settings.CheckRuntime(new MqttSinkRuntimeOptions { KeepAliveSeconds = (ushort)keepAlive }).Select(w => w.ToString()));
        Assert.Empty(settings.CheckRuntime(new MqttSinkRuntimeOptions()));
    }

    [Theory]
    [InlineData(1177)]
    [InlineData(30)]
    public void Keep_alives_at_the_bounds_are_fine(int keepAlive)
    {
        Assert.Empty(Parse("ssl://hub.azure-devices.net:8883", keepAlive).Warnings);
        Assert.Empty(Parse("ssl://a.iot.eu-west-1.amazonaws.com:8883", keepAlive).Warnings);
    }

    [Fact]
    public async Task The_sink_refuses_a_payload_over_the_aws_limit_and_sends_one_at_it()
    {
        // An AWS host name reached through a test CONNECT proxy that tunnels to a local Mosquitto.
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TestConnectProxy(broker.Port);
        var settings = MqttSinkConfig.Parse($$"""{"server": "tcp://a.iot.eu-west-1.amazonaws.com:1883", "topic": "t", "qos": 1, "protocolVersion": "3.1.1", "httpProxy": "http://127.0.0.1:{{proxy.Port}}"}""").GetSettingsOrThrow();
        await using var sink = new MqttSink(settings);
        await sink.StartAsync();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => sink.PublishAsync(new byte[128 * 1024 + 1]).AsTask());
        Assert.StartsWith("the payload is 131073 bytes; AWS IoT (a.iot.eu-west-1.amazonaws.com) accepts at most 131072 and would close the connection", e.Message);
        await sink.PublishAsync(new byte[128 * 1024]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        var done = await sink.CompleteAsync();
        Assert.Equal(1, done.Acknowledged);
        Assert.True(done.AllAcknowledged);
    }
}

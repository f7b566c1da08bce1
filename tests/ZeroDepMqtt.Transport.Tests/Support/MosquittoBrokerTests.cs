using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests.Support;

/// <summary>The fixture itself: restarts on the same port, kill -9, persistence, logs, and the reference subscriber.</summary>
public sealed class MosquittoBrokerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Restart_and_kill9_keep_the_port_and_the_log()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Persistence = true });
        await output.OnFailureAsync(broker, async () =>
        {
            int port = broker.Port;
            int firstPid = broker.ProcessId!.Value;
            await AssertAcceptsAsync(broker, "before");

            await broker.RestartAsync();
            Assert.Equal(port, broker.Port);
            Assert.NotEqual(firstPid, broker.ProcessId);
            await AssertAcceptsAsync(broker, "after-restart");
            // SIGTERM made the broker save its database in its own folder.
            Assert.True(File.Exists(Path.Combine(broker.Directory, "mosquitto.db")), "no mosquitto.db after a clean stop");

            await broker.Kill9Async();
            Assert.Null(broker.ProcessId);
            await broker.StartAgainAsync();
            await AssertAcceptsAsync(broker, "after-kill9");

            string log = broker.ReadLog();
            Assert.Contains("as before (p2, c1, k0)", log); // connection_messages: p2 = MQTT 3.1.1
            Assert.Contains("as after-kill9 (p2, c1, k0)", log);
        });
    }

    [Fact]
    public async Task Persistent_subscription_survives_a_clean_restart_and_gets_what_was_published_meanwhile()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Persistence = true });
        await output.OnFailureAsync(broker, async () =>
        {
            await using (await MosquittoSub.StartAsync(broker, "persist/#", qos: 1, clientId: "durable-sub", persistentSession: true)) { }
            await broker.RestartAsync();
            await PublishAsync(broker, "persist/a", "kept"u8.ToArray());
            await using var sub = await MosquittoSub.StartAsync(broker, "persist/#", qos: 1, clientId: "durable-sub", persistentSession: true);
            var received = await sub.WaitForAsync(1, TimeSpan.FromSeconds(10));
            Assert.Equal("persist/a", received[0].Topic);
            Assert.Equal("kept"u8.ToArray(), received[0].Payload);
        });
    }

    [Fact]
    public async Task Reference_subscriber_receives_binary_payloads_from_a_raw_publish()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(broker, "raw/+", qos: 0);
            byte[] payload = [0x00, 0x0A, 0xFF, (byte)' ', 0x41];
            await PublishAsync(broker, "raw/x", payload);
            var received = await sub.WaitForAsync(1, TimeSpan.FromSeconds(10));
            Assert.Equal("raw/x", received[0].Topic);
            Assert.Equal(payload, received[0].Payload);
        });
    }

    [Fact]
    public async Task Config_has_the_documented_keys()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = MosquittoTls.RequireClientCertificate, Users = TestCredentials.Users, Persistence = true, AutosaveIntervalSeconds = 5 });
        string config = await File.ReadAllTextAsync(broker.ConfigPath);
        foreach (var line in new[] { $"listener {broker.Port} 127.0.0.1", "connection_messages true", "log_type all", "max_queued_messages 0", "allow_anonymous false", "require_certificate true", "persistence true", "autosave_interval 5" })
            Assert.Contains(line + "\n", config);
        Assert.Contains($"password_file {broker.PasswordFilePath}", config);
        Assert.DoesNotContain(TestCredentials.Password, await File.ReadAllTextAsync(broker.PasswordFilePath!)); // hashed
        Assert.Contains("mosquitto version 2.0", broker.ReadLog());
    }

    private static async Task AssertAcceptsAsync(MosquittoBroker broker, string clientId)
    {
        await using var tcp = await RawMqtt.OpenTcpAsync(broker);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await RawMqtt.ConnectAsync(tcp, RawMqtt.V311(clientId)));
    }

    /// <summary>CONNECT, QoS 1 PUBLISH, wait for PUBACK, DISCONNECT: a publish the broker has surely taken.</summary>
    private static async Task PublishAsync(MosquittoBroker broker, string topic, byte[] payload)
    {
        await using var tcp = await RawMqtt.OpenTcpAsync(broker);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await RawMqtt.ConnectAsync(tcp, RawMqtt.V311("raw-pub")));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        new Publish(TopicName.Create(topic), (ReadOnlyMemory<byte>)payload, QualityOfService.AtLeastOnce, packetId: 1).WriteTo(buffer);
        await tcp.WriteAsync(buffer.WrittenMemory);
        var puback = new byte[4];
        await tcp.ReadExactlyAsync(puback);
        Assert.Equal(new byte[] { 0x40, 0x02, 0x00, 0x01 }, puback);
        await tcp.WriteAsync(new byte[] { 0xE0, 0x00 });
    }
}

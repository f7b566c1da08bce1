using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>The client against a scripted TCP listener that breaks the protocol, stalls or refuses. Every case must end
/// the connection with the right <see cref="MqttClient.LastCloseReason"/> within the configured timeouts, never hang, and
/// leave no unobserved task exception behind.</summary>
public sealed class HostileBrokerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    private readonly UnobservedTaskExceptions _unobserved = new();

    private static MqttClientOptions Options(ScriptedBroker broker, string clientId) => new()
    {
        Broker = broker.Address,
        ClientId = clientId,
        KeepAliveSeconds = 0,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        DisconnectTimeout = TimeSpan.FromMilliseconds(500),
        Reconnect = new ReconnectOptions { MaxAttempts = 1 }, // one connection: its end is the outcome under test
    };

    /// <summary>Connects through a scripted CONNACK; returns the client, its events and the broker side.</summary>
    private static async Task<(MqttClient Client, ClientEvents Events, ScriptedConnection Peer)> ConnectedAsync(ScriptedBroker broker, MqttClientOptions options)
    {
        var client = new MqttClient(options);
        var events = new ClientEvents(client);
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptConnectAsync();
        await peer.WriteAsync(ScriptedConnection.ConnAckAccepted);
        await connecting.Within(Short, "CONNACK accepted");
        return (client, events, peer);
    }

    [Fact]
    [Trait("spec", "MQTT-3.1.0-1")]
    public async Task CONNECT_goes_first_and_alone_until_CONNACK_even_with_publishes_queued()
    {
        await using var broker = new ScriptedBroker();
        // ConnectTimeout well past the 1.2 s look below: a cold, loaded start must not turn the late CONNACK into a timeout.
        await using var client = new MqttClient(Options(broker, "hostile-order") with { KeepAliveSeconds = 1, ConnectTimeout = TimeSpan.FromSeconds(30) });
        // Accepted before any connection exists: they wait in the queue.
        var early = client.PublishAsync("t", "q"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var early0 = client.PublishAsync("t", "z"u8.ToArray()).AsTask();
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptAsync();
        var (first, _) = await peer.ReadPacketAsync();
        Assert.Equal(0x10, first);
        // Nothing else before CONNACK, not even a PINGREQ after Keep Alive (a bounded look at a negative).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => peer.ReadPacketAsync(TimeSpan.FromMilliseconds(1200)));
        await peer.WriteAsync(ScriptedConnection.ConnAckAccepted);
        await connecting.Within(Short, "connected");
        var publish = await peer.ReadUntilAsync(0x32);
        await peer.WriteAsync(0x40, 0x02, publish[^3], publish[^2]);
        await Task.WhenAll(early, early0).Within(Short, "queued publishes went out after CONNACK");
        await DisposeWithinAsync(client);
    }

    [Fact]
    [Trait("spec", "MQTT-4.8.0-1")]
    public async Task Remaining_Length_above_MaxIncomingPacketSize_is_a_protocol_error_before_the_body_arrives()
    {
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Options(broker, "hostile-big") with { MaxIncomingPacketSize = 1024 });
        await using var owned = client;
        // PUBLISH announcing 65,536 bytes; the body never comes, so only the length check can end the connection.
        await peer.WriteAsync(0x30, 0x80, 0x80, 0x04);
        var (reason, error) = await events.WaitForLostAsync(1, Short);
        output.WriteLine(error?.Message);
        Assert.Equal(MqttCloseReason.ProtocolError, reason);
        Assert.Equal(MqttCloseReason.ProtocolError, client.LastCloseReason);
        Assert.Contains("1024", error!.Message);
        Assert.True(await peer.WaitForCloseAsync(Short), "the client did not close the socket");
        await DisposeWithinAsync(client);
    }

    [Fact]
    public async Task PUBACK_for_an_unknown_id_is_ignored_and_the_connection_stays_up()
    {
        // Documented behaviour (ClientSession.OnPubAck): an ack for an id not in flight completes nothing and may be a
        // late duplicate after a reconnect, so it is dropped rather than treated as a violation.
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Options(broker, "hostile-puback"));
        await using var owned = client;
        await peer.WriteAsync(0x40, 0x02, 0x12, 0x34);
        var publish = client.PublishAsync("t", "x"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var body = await peer.ReadUntilAsync(0x32); // the PUBLISH went out on the same connection
        await peer.WriteAsync(0x40, 0x02, body[^3], body[^2]); // topic "t" (3 bytes), id (2), payload "x" (1)
        await publish.Within(Short, "PUBACK completed the publish");
        Assert.True(client.IsConnected);
        Assert.Empty(events.Lost);
        Assert.Equal(MqttCloseReason.None, client.LastCloseReason);
        await DisposeWithinAsync(client);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x00 })]             // packet type 0 is reserved
    [InlineData(new byte[] { 0xF0, 0x00 })]             // packet type 15 is reserved
    [InlineData(new byte[] { 0x10, 0x00 })]             // CONNECT travels the other way (MQTT-2.2.1)
    [InlineData(new byte[] { 0x42, 0x02, 0x00, 0x01 })] // PUBACK with reserved flags set
    [InlineData(new byte[] { 0x20, 0x02, 0x00, 0x00 })] // a second CONNACK
    [Trait("spec", "MQTT-4.8.0-1")]
    [Trait("spec", "MQTT-2.2.2-2")]
    public async Task Garbage_after_CONNACK_is_a_protocol_error(byte[] garbage)
    {
        await using var broker = new ScriptedBroker();
        var (client, events, peer) = await ConnectedAsync(broker, Options(broker, "hostile-garbage"));
        await using var owned = client;
        await peer.WriteAsync(garbage);
        var (reason, error) = await events.WaitForLostAsync(1, Short);
        output.WriteLine(error?.Message);
        Assert.Equal(MqttCloseReason.ProtocolError, reason);
        Assert.Equal(MqttCloseReason.ProtocolError, client.LastCloseReason);
        Assert.True(await peer.WaitForCloseAsync(Short), "the client did not close the socket");
        await DisposeWithinAsync(client);
    }

    [Theory]
    [InlineData(new byte[] { 0x40, 0x02, 0x00, 0x01 })] // PUBACK
    [InlineData(new byte[] { 0xD0, 0x00 })]             // PINGRESP
    [InlineData(new byte[] { 0x30, 0x03, 0x00, 0x01, 0x74 })] // PUBLISH
    [Trait("spec", "MQTT-3.2.0-1")]
    [Trait("spec", "MQTT-4.8.0-1")]
    public async Task First_packet_other_than_CONNACK_is_a_protocol_error(byte[] first)
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient(Options(broker, "hostile-first"));
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptConnectAsync();
        await peer.WriteAsync(first);
        var e = await Assert.ThrowsAsync<MqttClientException>(() => connecting.Within(Short, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.ProtocolError, e.Reason);
        Assert.Equal(MqttCloseReason.ProtocolError, client.LastCloseReason);
        Assert.Contains("CONNACK", e.Message);
        Assert.True(await peer.WaitForCloseAsync(Short), "the client did not close the socket");
        await DisposeWithinAsync(client);
    }

    [Fact]
    public async Task CONNACK_that_never_comes_is_a_connect_timeout_within_ConnectTimeout()
    {
        await using var broker = new ScriptedBroker();
        var time = new FakeTimeProvider();
        var options = Options(broker, "hostile-silent") with { ConnectTimeout = TimeSpan.FromMilliseconds(500), TimeProvider = time };
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptConnectAsync();
        // The client's clock is the fake one: the attempt ends exactly when ConnectTimeout has passed on it.
        time.Advance(options.ConnectTimeout);
        var e = await Assert.ThrowsAsync<MqttClientException>(() => connecting.Within(Short, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.ConnectTimeout, e.Reason);
        Assert.Equal(MqttCloseReason.ConnectTimeout, client.LastCloseReason);
        Assert.Contains("CONNACK", e.Message);
        Assert.True(await peer.WaitForCloseAsync(Short), "the client did not close the socket");
        await DisposeWithinAsync(client);
    }

    [Fact]
    [Trait("spec", "MQTT-3.12.4-1")]
    [Trait("spec", "MQTT-3.1.2-23")]
    public async Task Packet_cut_off_then_silence_is_a_keep_alive_timeout()
    {
        await using var broker = new ScriptedBroker();
        var time = new FakeTimeProvider();
        var options = Options(broker, "hostile-cut") with { KeepAliveSeconds = 1, PingTimeout = TimeSpan.FromMilliseconds(300), TimeProvider = time };
        var (client, events, peer) = await ConnectedAsync(broker, options);
        await using var owned = client;
        await peer.WriteAsync(0x30, 0x0A, 0x00, 0x03, (byte)'a'); // a PUBLISH of 10 bytes, 3 of them sent
        // Idle for Keep Alive: the client pings (MQTT-3.1.2-23); the broker never answers (MQTT-3.12.4-1 broken).
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(await peer.ReadUntilAsync(0xC0, Short));
        // Exactly Keep Alive + PingTimeout of the client's clock: the connection ends.
        time.Advance(options.PingTimeout);
        var (reason, error) = await events.WaitForLostAsync(1, Short);
        output.WriteLine(error?.Message);
        Assert.Equal(MqttCloseReason.KeepAliveTimeout, reason);
        Assert.Equal(MqttCloseReason.KeepAliveTimeout, client.LastCloseReason);
        Assert.True(await peer.WaitForCloseAsync(Short), "the client did not close the socket");
        await DisposeWithinAsync(client);
    }

    [Theory]
    [InlineData(1, "unacceptable protocol version")]
    [InlineData(2, "identifier rejected")]
    [InlineData(4, "bad user name or password")]
    [InlineData(5, "not authorized")]
    [Trait("spec", "MQTT-3.2.2-5")]
    public async Task CONNACK_refusal_fails_ConnectAsync_with_the_code_and_its_meaning(byte code, string meaning)
    {
        await using var broker = new ScriptedBroker();
        // Forever by default: a refusal other than "server unavailable" must still end the first connect at once.
        await using var client = new MqttClient(Options(broker, "hostile-refused") with { Reconnect = new ReconnectOptions() });
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptConnectAsync();
        await peer.WriteAsync(0x20, 0x02, 0x00, code);
        var e = await Assert.ThrowsAsync<MqttConnectionRefusedException>(() => connecting.Within(Short, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Equal((ConnectReturnCode)code, e.ReturnCode);
        Assert.Equal(MqttCloseReason.Refused, e.Reason);
        Assert.Contains(meaning, e.Message);
        Assert.Contains($"return code {code}", e.Message);
        Assert.Contains(broker.Address.ToString(), e.Message);
        Assert.Equal(MqttCloseReason.Refused, client.LastCloseReason);
        // The broker here keeps the socket open; the client closes it without waiting (MQTT-3.2.2-5).
        Assert.True(await peer.WaitForCloseAsync(Short), "the client did not close the socket after the refusal");
        await DisposeWithinAsync(client);
    }

    [Fact]
    [Trait("spec", "MQTT-3.2.2-5")]
    public async Task CONNACK_server_unavailable_is_retried_then_reported_when_the_policy_gives_up()
    {
        await using var broker = new ScriptedBroker();
        var options = Options(broker, "hostile-unavailable") with
        {
            Reconnect = new ReconnectOptions { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50) },
        };
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync().AsTask();
        for (int i = 0; i < 2; i++)
        {
            var peer = await broker.AcceptConnectAsync();
            await peer.WriteAsync(0x20, 0x02, 0x00, 0x03);
        }
        var e = await Assert.ThrowsAsync<MqttClientException>(() => connecting.Within(Short, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.Refused, e.Reason);
        Assert.Contains("server unavailable", e.Message);
        var refused = Assert.IsType<MqttConnectionRefusedException>(client.LastCloseError);
        Assert.Equal(ConnectReturnCode.ServerUnavailable, refused.ReturnCode);
        await DisposeWithinAsync(client);
    }

    [Fact]
    public async Task Broker_that_never_reads_makes_QoS_0_publishes_wait_with_bounded_memory()
    {
        await using var broker = new ScriptedBroker(receiveBufferSize: 4096);
        var options = Options(broker, "hostile-deaf") with { MaxQueuedMessages = 500, MaxQueuedBytes = 64L << 20 };
        var (client, events, peer) = await ConnectedAsync(broker, options);
        await using var owned = client;

        const int payloadSize = 16 * 1024, limit = 20_000;
        var pending = new List<Task>();
        Task? blocked = null;
        int issued = 0;
        // Fresh payload per message, as a real caller has: the client holds them, so the heap shows what it keeps.
        // Publish until one stays waiting; the kernel's socket buffers absorb a few MB first, then the write loop's
        // flush stalls and the queue fills. The limit (320 MB of payloads) is never reached when backpressure works.
        while (issued < limit && blocked is null)
        {
            var task = client.PublishAsync("deaf", new byte[payloadSize]).AsTask();
            // Marked observed now: unwritten QoS 0 messages fail on dispose, and an early failed assertion must not
            // turn them into unobserved-exception noise.
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            issued++;
            // A publish that found the queue full waits for room (admission is first come, first served), so memory is
            // bounded by the queue's limits by construction: what the client holds is what QueuedCount says.
            if (!task.IsCompleted && client.QueuedCount >= options.MaxQueuedMessages) blocked = task;
            else pending.Add(task);
        }
        Assert.NotNull(blocked);
        output.WriteLine($"issued {issued} publishes until one had to wait; queued {client.QueuedCount}");
        Assert.True(client.QueuedCount <= options.MaxQueuedMessages, $"queued {client.QueuedCount} > {options.MaxQueuedMessages}");
        Assert.True(client.IsConnected);
        Assert.Empty(events.Lost);

        await DisposeWithinAsync(client);
        // Dispose ends every publish, none hangs: the QoS 0 messages never written fail. The waiting one usually fails
        // too, but the kernel may still have taken a few more bytes after it had to wait, freeing room that admitted and
        // wrote it before the dispose: then it completed, which is also an end.
        await blocked!.ContinueWith(static _ => { }, TaskScheduler.Default).Within(Short, "the waiting publish ended");
        output.WriteLine($"the waiting publish ended {blocked.Status}{(blocked.Exception is { } failure ? $": {failure.InnerException?.Message}" : "")}; last close {client.LastCloseReason}");
        try { await Task.WhenAll(pending).Within(Short, "every publish ended"); }
        catch (Exception e) when (e is not TimeoutException) { } // observed: unwritten QoS 0 messages fail on dispose
        Assert.Contains(client.LastCloseReason, new[] { MqttCloseReason.Disposed, MqttCloseReason.ClientDisconnected });
    }

    private static async Task DisposeWithinAsync(MqttClient client)
        => await client.DisposeAsync().AsTask().Within(TimeSpan.FromSeconds(10), "DisposeAsync returned");

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }
}

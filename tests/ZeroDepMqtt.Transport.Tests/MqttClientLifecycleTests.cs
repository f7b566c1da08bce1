using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>The client's one lifecycle (<see cref="MqttClientState"/>) against a scripted broker: every transition ends
/// what it strands, nothing hangs, nothing succeeds falsely (issue 10, defects A, B, C, F and the "Also" items).</summary>
public sealed class MqttClientLifecycleTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private readonly UnobservedTaskExceptions _unobserved = new();

    internal static MqttClientOptions Options(ScriptedBroker broker, string clientId) => new()
    {
        Broker = broker.Address,
        ClientId = clientId,
        KeepAliveSeconds = 0,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        DisconnectTimeout = TimeSpan.FromSeconds(2),
        Reconnect = new ReconnectOptions { MaxAttempts = 1 },
    };

    internal static async Task<(MqttClient Client, ClientEvents Events, ScriptedConnection Peer)> ConnectedAsync(ScriptedBroker broker, MqttClientOptions options)
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
    [Trait("spec", "MQTT-3.14.4-2")]
    public async Task A_ConnectAsync_after_DisconnectAsync_fails_at_once_and_a_publish_fails_instead_of_hanging()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "life-a"));
        await using var owned = client;
        var disconnecting = client.DisconnectAsync().AsTask();
        Assert.Equal(0xE0, (await peer.ReadPacketAsync()).First);   // DISCONNECT
        await disconnecting.Within(Short, "DisconnectAsync returned");
        Assert.Equal(MqttClientState.Closed, client.State);
        var connect = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Short, "ConnectAsync ended"));
        output.WriteLine(connect.Message);
        Assert.Equal(MqttCloseReason.ClientDisconnected, connect.Reason);
        var publish = await Assert.ThrowsAsync<MqttClientException>(() => client.PublishAsync("t", "x"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask().Within(Short, "PublishAsync ended"));
        Assert.Equal(MqttCloseReason.ClientDisconnected, publish.Reason);
        Assert.False(client.IsConnected);
        await client.DisconnectAsync().AsTask().Within(Short, "a second DisconnectAsync returned");   // idempotent
    }

    [Fact]
    public async Task Disposing_during_an_attempt_keeps_the_error_of_the_attempt_before_in_LastConnectionError()
    {
        await using var broker = new ScriptedBroker();
        var client = new MqttClient(Options(broker, "life-err") with { Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10) } });
        var connecting = client.ConnectAsync().AsTask();
        (await broker.AcceptConnectAsync()).Dispose();   // the first attempt fails: closed right after CONNECT
        using var second = await broker.AcceptConnectAsync();   // the next one is never answered
        var failed = client.LastConnectionError;
        Assert.NotNull(failed);
        output.WriteLine(failed.Message);

        await client.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => connecting.Within(Short, "ConnectAsync ended"));
        // The attempt under way ended without an error of its own (the client ended it), and that erased LastCloseError;
        // what the connections failed with is still there to report.
        Assert.Equal(MqttCloseReason.Disposed, client.LastCloseReason);
        Assert.Null(client.LastCloseError);
        Assert.Same(failed, client.LastConnectionError);
    }

    [Fact]
    public async Task B_DisconnectAsync_while_the_first_ConnectAsync_waits_for_CONNACK_fails_that_ConnectAsync()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient(Options(broker, "life-b") with { Reconnect = new ReconnectOptions() });
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptConnectAsync();   // no CONNACK, ever
        Assert.Equal(MqttClientState.Connecting, client.State);
        await client.DisconnectAsync().AsTask().Within(Short, "DisconnectAsync returned");
        var e = await Assert.ThrowsAsync<MqttClientException>(() => connecting.Within(Short, "ConnectAsync ended"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.ClientDisconnected, e.Reason);
        Assert.Equal(MqttClientState.Closed, client.State);
        Assert.True(await peer.WaitForCloseAsync(Short), "the client did not close the socket");
    }

    [Fact]
    public async Task C_a_subscribe_lost_with_its_connection_fails_with_that_connections_reason()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "life-c"));
        await using var owned = client;
        var subscribing = client.SubscribeAsync("c/#").AsTask();
        await peer.ReadUntilAsync(0x82);
        peer.Dispose();   // the broker goes away before SUBACK
        var e = await Assert.ThrowsAsync<MqttClientException>(() => subscribing.Within(Short, "SubscribeAsync ended"));
        output.WriteLine($"{e.Reason}: {e.Message} / {e.InnerException?.Message}");
        Assert.Contains(e.Reason, new[] { MqttCloseReason.BrokerClosed, MqttCloseReason.NetworkError });
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public async Task F_a_throwing_PasswordProvider_is_a_credentials_failure_the_socket_is_closed_and_each_caller_gets_its_own_exception()
    {
        await using var broker = new ScriptedBroker();
        var options = Options(broker, "life-f") with
        {
            UserName = "u",
            PasswordProvider = _ => throw new InvalidOperationException("the vault is down"),
        };
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptAsync();
        var e = await Assert.ThrowsAsync<MqttClientException>(() => connecting.Within(Short, "ConnectAsync ended"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.CredentialsFailure, e.Reason);
        Assert.Contains("the vault is down", e.Message);
        Assert.Equal(MqttCloseReason.CredentialsFailure, client.LastCloseReason);
        Assert.Equal(MqttClientState.Faulted, client.State);
        Assert.True(await peer.WaitForCloseAsync(Short), "the socket was not closed after the PasswordProvider threw");
        // One exception per operation, never one instance rethrown on many threads.
        var first = await Assert.ThrowsAsync<MqttClientException>(() => client.PublishAsync("t", "x"u8.ToArray()).AsTask());
        var second = await Assert.ThrowsAsync<MqttClientException>(() => client.PublishAsync("t", "x"u8.ToArray()).AsTask());
        Assert.NotSame(first, second);
        Assert.Equal(MqttCloseReason.CredentialsFailure, first.Reason);
    }

    [Fact]
    public async Task Concurrent_DisposeAsync_calls_share_one_disposal_and_send_one_DISCONNECT()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Options(broker, "life-dispose"));
        var disposals = Enumerable.Range(0, 8).Select(_ => Task.Run(() => client.DisposeAsync().AsTask())).ToArray();
        Assert.Equal(0xE0, (await peer.ReadPacketAsync()).First);
        await Task.WhenAll(disposals).Within(Short, "every DisposeAsync returned");
        await Assert.ThrowsAsync<EndOfStreamException>(() => peer.ReadPacketAsync());   // nothing after DISCONNECT
        Assert.Equal(MqttClientState.Closed, client.State);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ConnectAsync().AsTask());
    }

    [Fact]
    public async Task TLS_handshake_timeout_is_reachable_under_the_connect_timeout()
    {
        await using var broker = new ScriptedBroker();   // accepts TCP, never answers the ClientHello
        var options = Options(broker, "life-tls") with
        {
            Broker = new BrokerAddress("127.0.0.1", broker.Port, useTls: true),
            // The handshake's 2 s is past the connect timeout's 1 s, so it fires only if the attempt's budget includes it
            // (3 s); the 1 s between the two is the margin a loaded machine gets (both run on real time: TLS has its own timer).
            Tls = new Transport.Tls.TlsOptions { InsecureSkipVerify = true, HandshakeTimeout = TimeSpan.FromSeconds(2) },
            ConnectTimeout = TimeSpan.FromSeconds(1),
        };
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync().AsTask();
        _ = await broker.AcceptAsync();
        var e = await Assert.ThrowsAsync<MqttClientException>(() => connecting.Within(Short, "ConnectAsync ended"));
        output.WriteLine(e.Message);
        Assert.Equal(MqttCloseReason.TlsFailure, e.Reason);
        Assert.Contains("2 s", e.Message);
    }

    [Fact]
    public async Task MQTT_3_1_with_a_kept_session_does_not_resubscribe_on_reconnect()
    {
        await using var broker = new ScriptedBroker();
        var options = Options(broker, "life-31") with
        {
            ProtocolVersion = MqttProtocolVersion.V310,
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) },
        };
        var (client, _, peer) = await ConnectedAsync(broker, options);
        await using var owned = client;
        var subscribing = client.SubscribeAsync("s/#", QualityOfService.AtLeastOnce).AsTask();
        var subscribe = await peer.ReadUntilAsync(0x82);
        await peer.WriteAsync(0x90, 0x03, subscribe[0], subscribe[1], 0x01);
        await subscribing.Within(Short, "SUBACK");
        peer.Dispose();
        var again = await broker.AcceptConnectAsync();
        await again.WriteAsync(ScriptedConnection.ConnAckAccepted);   // 3.1: no Session Present; the session was kept
        var publishing = client.PublishAsync("s/x", "1"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var (first, body) = await again.ReadPacketAsync();
        Assert.True(WirePublish.Is(first), $"expected the PUBLISH, got packet 0x{first:X2} (a SUBSCRIBE replays retained messages)");
        await again.WriteAsync(WirePublish.Parse(first, body).Ack()!);
        await publishing.Within(Short, "PUBACK");
    }

    [Fact]
    public async Task A_resubscribe_the_broker_refuses_is_reported_and_not_repeated()
    {
        await using var broker = new ScriptedBroker();
        var options = Options(broker, "life-80") with
        {
            Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) },
        };
        var (client, _, peer) = await ConnectedAsync(broker, options);
        await using var owned = client;
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ResubscribeFailed += (filter, _) => refused.TrySetResult(filter);
        var subscribing = client.SubscribeAsync("r/#").AsTask();
        var subscribe = await peer.ReadUntilAsync(0x82);
        await peer.WriteAsync(0x90, 0x03, subscribe[0], subscribe[1], 0x01);
        await subscribing.Within(Short, "SUBACK");

        peer.Dispose();
        var second = await broker.AcceptConnectAsync();
        await second.WriteAsync(ScriptedConnection.ConnAckAccepted);   // no session: the client subscribes again
        var resubscribe = await second.ReadUntilAsync(0x82);
        await second.WriteAsync(0x90, 0x03, resubscribe[0], resubscribe[1], 0x80);
        Assert.Equal("r/#", await refused.Task.Within(Short, "ResubscribeFailed raised"));

        second.Dispose();
        var third = await broker.AcceptConnectAsync();
        await third.WriteAsync(ScriptedConnection.ConnAckAccepted);
        var publishing = client.PublishAsync("r/x", "1"u8.ToArray(), QualityOfService.AtLeastOnce).AsTask();
        var (first, body) = await third.ReadPacketAsync();
        Assert.True(WirePublish.Is(first), $"expected the PUBLISH, got packet 0x{first:X2}: a refused filter was subscribed again");
        await third.WriteAsync(WirePublish.Parse(first, body).Ack()!);
        await publishing.Within(Short, "PUBACK");
    }

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }
}

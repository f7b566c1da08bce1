using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport.Connections;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests.Connections;

/// <summary>
/// MQTT 3.1.1 section 6 on the client side, against a scripted in-process WebSocket server (the BCL's server-side
/// <see cref="WebSocket"/> over a loopback socket): frames chosen byte by byte, which no real broker lets a test do.
/// </summary>
public sealed class WebSocketFramingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly byte[] ConnAckAccepted = [0x20, 0x02, 0x00, 0x00];

    [Theory]
    [InlineData(MqttProtocolVersion.V311, "mqtt")]
    [InlineData(MqttProtocolVersion.V310, "mqttv3.1")]
    [Trait("spec", "MQTT-6.0.0-3")]
    [Trait("spec", "MQTT-6.0.0-2")]
    public async Task The_client_offers_the_subprotocol_and_reads_a_CONNACK_split_across_frames(MqttProtocolVersion version, string expected)
    {
        await using var server = new ScriptedWebSocketServer(select: offered => offered, async ws =>
        {
            await ReceiveConnectAsync(ws);
            await ws.SendAsync(ConnAckAccepted.AsMemory(0, 1), WebSocketMessageType.Binary, true, default);
            await ws.SendAsync(ConnAckAccepted.AsMemory(1), WebSocketMessageType.Binary, true, default);
            await ws.ReceiveAsync(new byte[16], default);   // until the client's DISCONNECT or close
        });
        await using var client = new MqttClient(Options(server, "ws-split") with { ProtocolVersion = version });
        await client.ConnectAsync().AsTask().Within(Timeout, "connected through a CONNACK in two frames");
        Assert.Equal(expected, server.OfferedProtocol);
    }

    [Fact]
    [Trait("spec", "MQTT-6.0.0-1")]
    public async Task A_text_message_closes_the_connection_with_an_error_naming_the_rule()
    {
        await using var server = new ScriptedWebSocketServer(select: offered => offered, async ws =>
        {
            await ReceiveConnectAsync(ws);
            await ws.SendAsync(ConnAckAccepted, WebSocketMessageType.Text, true, default);
            await ws.ReceiveAsync(new byte[16], default);
        });
        await using var client = new MqttClient(Options(server, "ws-text"));
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Timeout, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Assert.Contains("sent a text WebSocket message; MQTT travels only in binary messages (MQTT-6.0.0-1)", e.Message);
    }

    [Fact]
    [Trait("spec", "MQTT-6.0.0-4")]
    public async Task A_server_that_selects_another_subprotocol_is_refused()
    {
        await using var server = new ScriptedWebSocketServer(select: _ => "chat", _ => Task.CompletedTask);
        await using var client = new MqttClient(Options(server, "ws-proto"));
        var e = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().AsTask().Within(Timeout, "ConnectAsync failed"));
        output.WriteLine(e.Message);
        Exception? cause = e;
        while (cause is not null and not WebSocketUpgradeException) cause = cause.InnerException;
        Assert.IsType<WebSocketUpgradeException>(cause);
        Assert.Contains("chose WebSocket subprotocol \"chat\"; offered \"mqtt\"", e.Message);
    }

    private static MqttClientOptions Options(ScriptedWebSocketServer server, string prefix) => new()
    {
        Broker = BrokerAddress.Parse($"ws://127.0.0.1:{server.Port}/mqtt"),
        ClientId = TestClients.Id(prefix),
        Reconnect = new ReconnectOptions { MaxAttempts = 1 },
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    private static async Task ReceiveConnectAsync(WebSocket ws)
    {
        var buffer = new byte[512];
        var result = await ws.ReceiveAsync(buffer, default);
        Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
        Assert.Equal(0x10, buffer[0]);   // CONNECT
    }

    /// <summary>Accepts one connection, answers the upgrade with the subprotocol <c>select</c> picks, runs the script.</summary>
    private sealed class ScriptedWebSocketServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _run;

        public ScriptedWebSocketServer(Func<string?, string?> select, Func<WebSocket, Task> script)
        {
            _listener.Start();
            _run = RunAsync(select, script);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public string? OfferedProtocol { get; private set; }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try { await _run.WaitAsync(Timeout); } catch (Exception) { }
        }

        private async Task RunAsync(Func<string?, string?> select, Func<WebSocket, Task> script)
        {
            using var socket = await _listener.AcceptSocketAsync();
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 4 || head[^1] != '\n' || head[^2] != '\r' || head[^3] != '\n' || head[^4] != '\r')
            {
                if (await stream.ReadAsync(one) == 0) return;
                head.Add(one[0]);
            }
            var headers = Encoding.ASCII.GetString([.. head]).Split("\r\n").Skip(1).Where(l => l.Contains(':'))
                .ToDictionary(l => l[..l.IndexOf(':')].Trim(), l => l[(l.IndexOf(':') + 1)..].Trim(), StringComparer.OrdinalIgnoreCase);
            OfferedProtocol = headers.GetValueOrDefault("Sec-WebSocket-Protocol");
            string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            string? chosen = select(OfferedProtocol);
            string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Accept: {accept}\r\n" + (chosen is null ? "" : $"Sec-WebSocket-Protocol: {chosen}\r\n") + "\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            using var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, SubProtocol = chosen, KeepAliveInterval = TimeSpan.Zero });
            try { await script(ws); } catch (Exception) when (ws.State != WebSocketState.Open) { }
        }
    }
}

using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>
/// The client side of the WebSocket opening handshake (RFC 6455 §4) over a stream we connected ourselves (TCP, proxy
/// tunnel, TLS), so every TLS option, client certificates included, applies to <c>wss://</c>. MQTT then travels in
/// binary messages (<see cref="MqttWebSocketStream"/>); one MQTT packet may span several of them, and one message may
/// hold several packets.
/// </summary>
internal static class WebSocketUpgrade
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>The subprotocol MQTT names for its version: <c>mqtt</c> (3.1.1, its section 6) or <c>mqttv3.1</c>
    /// (3.1, as Mosquitto, Paho and RabbitMQ spell it).</summary>
    public static string SubProtocol(MqttProtocolVersion version) => version == MqttProtocolVersion.V310 ? "mqttv3.1" : "mqtt";

    /// <summary>Upgrades <paramref name="transport"/> and returns a stream of the WebSocket's binary payload.</summary>
    /// <exception cref="WebSocketUpgradeException">The server answered anything but a valid 101 for MQTT.</exception>
    public static async ValueTask<Stream> UpgradeAsync(Stream transport, BrokerAddress broker, MqttProtocolVersion version, CancellationToken cancellationToken)
    {
        string subProtocol = SubProtocol(version);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        bool defaultPort = broker.Port == (broker.UseTls ? BrokerAddress.DefaultSecureWebSocketPort : BrokerAddress.DefaultWebSocketPort);
        string host = defaultPort ? broker.HostForUri : $"{broker.HostForUri}:{broker.Port.ToString(CultureInfo.InvariantCulture)}";
        string request =
            $"GET {broker.WebSocketPath} HTTP/1.1\r\n" +
            $"Host: {host}\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            $"Sec-WebSocket-Protocol: {subProtocol}\r\n\r\n";
        await transport.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken).ConfigureAwait(false);
        await transport.FlushAsync(cancellationToken).ConfigureAwait(false);
        var head = await HttpResponseHead.ReadAsync(transport, broker.ToString(), cancellationToken).ConfigureAwait(false);

        if (head.Status != 101)
            throw new WebSocketUpgradeException(
                $"{broker} answered the WebSocket upgrade with HTTP {head.StatusText}{(head.Status == 404 ? $" (is {broker.WebSocketPath} the broker's WebSocket path?)" : "")}", head.Status);
        if (!string.Equals(head["Upgrade"], "websocket", StringComparison.OrdinalIgnoreCase))
            throw new WebSocketUpgradeException($"{broker} answered 101 without \"Upgrade: websocket\"");
        string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        if (head["Sec-WebSocket-Accept"] != expected)
            throw new WebSocketUpgradeException($"{broker} answered 101 with a wrong Sec-WebSocket-Accept (RFC 6455 §4.1): not a WebSocket server, or something in between rewrote the handshake");
        // A server that names no subprotocol accepted none explicitly; many MQTT brokers do that and speak MQTT anyway.
        // One that names another than we offered is not speaking MQTT to us (RFC 6455 §4.1, item 6).
        string? chosen = head["Sec-WebSocket-Protocol"];
        if (chosen is not null && !string.Equals(chosen, subProtocol, StringComparison.Ordinal))
            throw new WebSocketUpgradeException($"{broker} chose WebSocket subprotocol \"{chosen}\"; offered \"{subProtocol}\"");

        var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions
        {
            IsServer = false,
            SubProtocol = chosen,
            // MQTT's own keep-alive (PINGREQ) already proves the connection alive.
            KeepAliveInterval = TimeSpan.Zero,
        });
        return new MqttWebSocketStream(socket, transport, broker.ToString());
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ZeroDepMqtt.Transport;

/// <summary>
/// A broker address such as <c>tcp://127.0.0.1:1883</c>, <c>ssl://host:8883</c> or <c>wss://host/mqtt</c>.
/// Plain schemes: <c>tcp</c>, <c>mqtt</c> (default port 1883). TLS schemes: <c>ssl</c>, <c>tls</c>,
/// <c>mqtts</c>, <c>tcps</c> (default port 8883). WebSocket: <c>ws</c> (default port 80) and <c>wss</c> (WebSocket
/// over TLS, default port 443), with a path (default <c>/mqtt</c>). IPv6 literals go in brackets: <c>tcp://[::1]:1883</c>.
/// </summary>
public sealed record BrokerAddress
{
    /// <summary>The default port of plain MQTT.</summary>
    public const int DefaultPlainPort = 1883;

    /// <summary>The default port of MQTT over TLS.</summary>
    public const int DefaultTlsPort = 8883;

    /// <summary>The default port of MQTT over a plain WebSocket (<c>ws://</c>), the HTTP port.</summary>
    public const int DefaultWebSocketPort = 80;

    /// <summary>The default port of MQTT over a WebSocket over TLS (<c>wss://</c>), the HTTPS port.</summary>
    public const int DefaultSecureWebSocketPort = 443;

    /// <summary>The path of a WebSocket address that names none; the path Mosquitto, RabbitMQ, EMQX and HiveMQ serve.</summary>
    public const string DefaultWebSocketPath = "/mqtt";

    private static readonly string[] PlainSchemes = ["tcp", "mqtt"];
    private static readonly string[] TlsSchemes = ["ssl", "tls", "mqtts", "tcps"];

    /// <summary>Creates a TCP or TLS address.</summary>
    public BrokerAddress(string host, int port, bool useTls)
        : this(host, port, useTls, webSocketPath: null)
    {
    }

    /// <summary>Creates an address; a non-null <paramref name="webSocketPath"/> (starting with '/') makes it a WebSocket address.</summary>
    public BrokerAddress(string host, int port, bool useTls, string? webSocketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (webSocketPath is not null && !webSocketPath.StartsWith('/'))
            throw new ArgumentException($"a WebSocket path starts with '/': \"{webSocketPath}\"", nameof(webSocketPath));
        Host = host;
        Port = port;
        UseTls = useTls;
        WebSocketPath = webSocketPath;
    }

    /// <summary>The host name or IP literal (without brackets); with TLS, also the server name checked and sent as SNI.</summary>
    public string Host { get; }

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>Whether the scheme asks for TLS (<c>ssl</c>, <c>tls</c>, <c>mqtts</c>, <c>tcps</c>, <c>wss</c>).</summary>
    public bool UseTls { get; }

    /// <summary>The HTTP path (and query, if any) of the WebSocket upgrade, or null for MQTT straight over TCP/TLS.</summary>
    public string? WebSocketPath { get; }

    /// <summary>Whether MQTT runs inside a WebSocket (<c>ws://</c>, <c>wss://</c>).</summary>
    public bool UseWebSocket => WebSocketPath is not null;

    /// <summary>Whether the host is a loopback name or address (<c>localhost</c>, 127.0.0.0/8, <c>::1</c>).</summary>
    public bool IsLoopback => IsLoopbackHost(Host);

    /// <summary>Parses an address.</summary>
    /// <exception cref="FormatException">The text is not a broker address; the message says what is wrong.</exception>
    public static BrokerAddress Parse(string text)
    {
        if (TryParse(text, out var address, out var error)) return address;
        throw new FormatException(error);
    }

    /// <summary>Parses an address; on failure <paramref name="error"/> says what is wrong and what is accepted.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out BrokerAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "the address is empty; expected scheme://host:port such as tcp://127.0.0.1:1883"; return false; }
        int sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0) { error = $"\"{text}\" has no scheme; expected scheme://host:port with scheme tcp, mqtt, ssl, tls, mqtts, tcps, ws or wss"; return false; }
        string scheme = text[..sep].ToLowerInvariant();
        bool tls;
        bool webSocket = scheme is "ws" or "wss";
        if (Array.IndexOf(PlainSchemes, scheme) >= 0 || scheme == "ws") tls = false;
        else if (Array.IndexOf(TlsSchemes, scheme) >= 0 || scheme == "wss") tls = true;
        else { error = $"scheme \"{scheme}\" is not supported; expected tcp, mqtt (plain), ssl, tls, mqtts, tcps (TLS), ws or wss (WebSocket)"; return false; }

        string rest = text[(sep + 3)..];
        string? path = null;
        int slash = rest.IndexOfAny(['/', '?']);
        if (slash >= 0)
        {
            string tail = rest[slash..];
            rest = rest[..slash];
            if (webSocket) path = tail.StartsWith('/') ? tail : "/" + tail;
            // A trailing "/" is harmless; a path is not something MQTT over TCP has.
            else if (tail != "/") { error = $"\"{text}\" has a path (\"{tail}\"); an MQTT address is scheme://host:port (only ws:// and wss:// take a path)"; return false; }
        }
        if (webSocket && path is null or "/") path = DefaultWebSocketPath;
        if (path is not null && path.Any(c => c <= ' ' || c == '#' || c > '~')) { error = $"the path in \"{text}\" holds a space, '#' or a character outside printable ASCII; percent-encode it"; return false; }
        if (rest.Contains('@')) { error = "credentials in the address are not supported; use the username and password options"; return false; }

        int defaultPort = (webSocket, tls) switch
        {
            (true, true) => DefaultSecureWebSocketPort,
            (true, false) => DefaultWebSocketPort,
            (false, true) => DefaultTlsPort,
            _ => DefaultPlainPort,
        };
        if (!HostPort.TryParse(rest, defaultPort, $"\"{text}\"", "in", ", e.g. tcp://[::1]:1883", out string host, out int port, out error)) return false;
        address = new BrokerAddress(host, port, tls, path);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="host"/> is <c>localhost</c> or a loopback IP literal.</summary>
    internal static bool IsLoopbackHost(string host)
        => string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));

    /// <summary>The host as it goes into a URI or an HTTP request line: IPv6 literals in brackets.</summary>
    internal string HostForUri => Host.Contains(':') ? $"[{Host}]" : Host;

    /// <summary>The address as <c>tcp://host:port</c>, <c>ssl://host:port</c>, <c>ws://host:port/path</c> or <c>wss://host:port/path</c>.</summary>
    public override string ToString()
    {
        string scheme = (UseWebSocket, UseTls) switch { (true, true) => "wss", (true, false) => "ws", (false, true) => "ssl", _ => "tcp" };
        return $"{scheme}://{HostForUri}:{Port.ToString(CultureInfo.InvariantCulture)}{WebSocketPath}";
    }
}

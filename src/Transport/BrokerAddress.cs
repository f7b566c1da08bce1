using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ZeroDepMqtt.Transport;

/// <summary>
/// A broker address such as <c>tcp://127.0.0.1:1883</c> or <c>ssl://host:8883</c>.
/// Plain schemes: <c>tcp</c>, <c>mqtt</c> (default port 1883). TLS schemes: <c>ssl</c>, <c>tls</c>,
/// <c>mqtts</c>, <c>tcps</c> (default port 8883). IPv6 literals go in brackets: <c>tcp://[::1]:1883</c>.
/// </summary>
public sealed record BrokerAddress
{
    /// <summary>The default port of plain MQTT.</summary>
    public const int DefaultPlainPort = 1883;

    /// <summary>The default port of MQTT over TLS.</summary>
    public const int DefaultTlsPort = 8883;

    private static readonly string[] PlainSchemes = ["tcp", "mqtt"];
    private static readonly string[] TlsSchemes = ["ssl", "tls", "mqtts", "tcps"];

    /// <summary>Creates an address.</summary>
    public BrokerAddress(string host, int port, bool useTls)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Host = host;
        Port = port;
        UseTls = useTls;
    }

    /// <summary>The host name or IP literal (without brackets); with TLS, also the server name checked and sent as SNI.</summary>
    public string Host { get; }

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>Whether the scheme asks for TLS.</summary>
    public bool UseTls { get; }

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
        if (sep <= 0) { error = $"\"{text}\" has no scheme; expected scheme://host:port with scheme tcp, mqtt, ssl, tls, mqtts or tcps"; return false; }
        string scheme = text[..sep].ToLowerInvariant();
        bool tls;
        if (Array.IndexOf(PlainSchemes, scheme) >= 0) tls = false;
        else if (Array.IndexOf(TlsSchemes, scheme) >= 0) tls = true;
        else if (scheme is "ws" or "wss") { error = $"scheme \"{scheme}\" (MQTT over WebSocket) is not supported; use tcp:// or ssl://"; return false; }
        else { error = $"scheme \"{scheme}\" is not supported; expected tcp, mqtt (plain) or ssl, tls, mqtts, tcps (TLS)"; return false; }

        string rest = text[(sep + 3)..];
        int slash = rest.IndexOf('/');
        if (slash >= 0)
        {
            // A trailing "/" is harmless; a path is not something MQTT over TCP has.
            if (slash != rest.Length - 1) { error = $"\"{text}\" has a path (\"{rest[slash..]}\"); an MQTT address is scheme://host:port"; return false; }
            rest = rest[..slash];
        }
        if (rest.Contains('@')) { error = "credentials in the address are not supported; use the username and password options"; return false; }

        string host;
        string? portText = null;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0) { error = $"\"{text}\" opens an IPv6 bracket but does not close it"; return false; }
            host = rest[1..close];
            string after = rest[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':') { error = $"\"{text}\": expected ':port' after the IPv6 address"; return false; }
                portText = after[1..];
            }
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            if (colon >= 0 && rest.IndexOf(':') != colon) { error = $"\"{text}\": an IPv6 address must be written in brackets, e.g. tcp://[::1]:1883"; return false; }
            host = colon >= 0 ? rest[..colon] : rest;
            if (colon >= 0) portText = rest[(colon + 1)..];
        }
        if (host.Length == 0) { error = $"\"{text}\" has no host"; return false; }

        int port = tls ? DefaultTlsPort : DefaultPlainPort;
        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"port \"{portText}\" in \"{text}\" is not a number from 1 to 65535";
                return false;
            }
        }
        address = new BrokerAddress(host, port, tls);
        error = null;
        return true;
    }

    /// <summary>The address as <c>tcp://host:port</c> or <c>ssl://host:port</c>.</summary>
    public override string ToString()
        => $"{(UseTls ? "ssl" : "tcp")}://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";
}

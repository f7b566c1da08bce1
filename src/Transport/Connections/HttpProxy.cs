using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>
/// An HTTP proxy that tunnels the broker connection with <c>CONNECT host:port</c>: written
/// <c>http://[user:password@]host:port</c>. Credentials go out as <c>Proxy-Authorization: Basic</c> and are never part of
/// <see cref="ToString"/>.
/// </summary>
public sealed record HttpProxy
{
    /// <summary>The port of a proxy address that names none (the common Squid/tinyproxy port is not a standard; 80 is HTTP's).</summary>
    public const int DefaultPort = 80;

    /// <summary>Creates a proxy address.</summary>
    public HttpProxy(string host, int port, string? userName = null, string? password = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Host = host;
        Port = port;
        UserName = userName;
        Password = password;
    }

    /// <summary>The proxy's host name or IP literal (without brackets).</summary>
    public string Host { get; }

    /// <summary>The proxy's port.</summary>
    public int Port { get; }

    /// <summary>The proxy user name, or null for no <c>Proxy-Authorization</c>.</summary>
    public string? UserName { get; }

    /// <summary>The proxy password (never printed), or null.</summary>
    public string? Password { get; }

    /// <summary>Parses <c>http://[user:password@]host[:port]</c>; user and password may be percent-encoded.</summary>
    /// <exception cref="FormatException">Not such an address; the message says why and never repeats the credentials.</exception>
    public static HttpProxy Parse(string text)
        => TryParse(text, out var proxy, out var error) ? proxy : throw new FormatException(error);

    /// <summary>Parses <c>http://[user:password@]host[:port]</c>; on failure <paramref name="error"/> says why and never
    /// repeats the credentials.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out HttpProxy? proxy, [NotNullWhen(false)] out string? error)
    {
        proxy = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "the proxy address is empty; expected http://[user:password@]host:port"; return false; }
        string rest = text.Trim();
        int sep = rest.IndexOf("://", StringComparison.Ordinal);
        if (sep >= 0)
        {
            string scheme = rest[..sep].ToLowerInvariant();
            if (scheme != "http")
            {
                error = scheme == "https"
                    ? "an https:// proxy (TLS to the proxy itself) is not supported; expected http://[user:password@]host:port (the tunnel still carries TLS to the broker)"
                    : $"proxy scheme \"{scheme}\" is not supported; expected http://[user:password@]host:port";
                return false;
            }
            rest = rest[(sep + 3)..];
        }
        int at = rest.LastIndexOf('@');
        string? user = null, password = null;
        string hostPort = at >= 0 ? rest[(at + 1)..] : rest;
        if (hostPort.EndsWith('/')) hostPort = hostPort[..^1];
        if (hostPort.Contains('/')) { error = $"the proxy address {Printable(text)} has a path; expected http://[user:password@]host:port"; return false; }
        if (at >= 0)
        {
            string info = rest[..at];
            int colon = info.IndexOf(':');
            user = Uri.UnescapeDataString(colon >= 0 ? info[..colon] : info);
            password = colon >= 0 ? Uri.UnescapeDataString(info[(colon + 1)..]) : null;
            if (user.Length == 0) { error = $"the proxy address {Printable(text)} has '@' but no user name"; return false; }
        }

        if (!HostPort.TryParse(hostPort, DefaultPort, $"the proxy address {Printable(text)}", "of", "", out string host, out int port, out error)) return false;
        proxy = new HttpProxy(host, port, user, password);
        error = null;
        return true;
    }

    /// <summary>
    /// The proxy the environment names for a WebSocket connection to <paramref name="broker"/>, or null: for
    /// <c>wss://</c> <c>https_proxy</c> then <c>HTTPS_PROXY</c>, for <c>ws://</c> <c>http_proxy</c> then
    /// <c>HTTP_PROXY</c>; none when <c>no_proxy</c>/<c>NO_PROXY</c> matches the host or the host is loopback.
    /// MQTT straight over TCP or TLS never uses these variables: they are meant for HTTP traffic.
    /// </summary>
    /// <exception cref="FormatException">The variable that applies holds no usable proxy address (named in the message).</exception>
    public static HttpProxy? FromEnvironment(BrokerAddress broker, Func<string, string?>? getVariable = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        getVariable ??= Environment.GetEnvironmentVariable;
        if (!broker.UseWebSocket || broker.IsLoopback) return null;
        string[] names = broker.UseTls ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy", "HTTP_PROXY"];
        foreach (string name in names)
        {
            string? value = getVariable(name);
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (Bypassed(broker, getVariable("no_proxy") ?? getVariable("NO_PROXY"))) return null;
            if (TryParse(value, out var proxy, out var error)) return proxy;
            throw new FormatException($"environment variable {name}: {error}");
        }
        return null;
    }

    /// <summary><c>NO_PROXY</c> rules: comma-separated entries; <c>*</c> matches every host; <c>example.com</c>,
    /// <c>.example.com</c> and <c>*.example.com</c> match that host and its subdomains; an entry with <c>:port</c>
    /// matches that port only; IP literals match exactly (no CIDR ranges).</summary>
    internal static bool Bypassed(BrokerAddress broker, string? noProxy)
    {
        if (string.IsNullOrWhiteSpace(noProxy)) return false;
        foreach (string raw in noProxy.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw == "*") return true;
            string entry = raw;
            int? port = null;
            int colon = entry.LastIndexOf(':');
            if (colon > 0 && entry.IndexOf(']') < colon && (entry.StartsWith('[') || entry.IndexOf(':') == colon)
                && int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int p))
            {
                port = p;
                entry = entry[..colon];
            }
            entry = entry.Trim('[', ']');
            if (entry.StartsWith("*.", StringComparison.Ordinal)) entry = entry[1..];
            string domain = entry.TrimStart('.');
            if (domain.Length == 0 || (port is { } only && only != broker.Port)) continue;
            if (string.Equals(broker.Host, domain, StringComparison.OrdinalIgnoreCase)
                || broker.Host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>The <c>Proxy-Authorization</c> value, or null without a user name.</summary>
    internal string? BasicAuthorization
        => UserName is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{Password}"));

    /// <summary><c>http://host:port</c>, with <c>user:***@</c> when credentials are set; never the password.</summary>
    public override string ToString()
        => $"http://{(UserName is null ? "" : "***@")}{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    // For error messages about text that did not parse: the user-info part may hold a password.
    private static string Printable(string text)
    {
        int at = text.LastIndexOf('@');
        if (at < 0) return $"\"{text}\"";
        int sep = text.IndexOf("://", StringComparison.Ordinal);
        return $"\"{(sep >= 0 && sep < at ? text[..(sep + 3)] : "")}***@{text[(at + 1)..]}\"";
    }
}

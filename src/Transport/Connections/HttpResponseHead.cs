using System.Globalization;
using System.Text;

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>The status line and headers of an HTTP/1.x response, read from a stream without reading past the blank
/// line: the bytes after it belong to the tunnel or the WebSocket.</summary>
internal sealed class HttpResponseHead
{
    /// <summary>The longest head accepted; proxies and brokers send a few hundred bytes.</summary>
    public const int MaxBytes = 16 * 1024;

    private readonly Dictionary<string, string> _headers;

    private HttpResponseHead(int status, string reason, Dictionary<string, string> headers)
    {
        Status = status;
        Reason = reason;
        _headers = headers;
    }

    /// <summary>The status code.</summary>
    public int Status { get; }

    /// <summary>The reason phrase (may be empty).</summary>
    public string Reason { get; }

    /// <summary>"407 Proxy Authentication Required".</summary>
    public string StatusText => Reason.Length == 0 ? Status.ToString(CultureInfo.InvariantCulture) : $"{Status.ToString(CultureInfo.InvariantCulture)} {Reason}";

    /// <summary>A header's value (repeated headers joined with ", "), or null.</summary>
    public string? this[string name] => _headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>Reads one response head. <paramref name="peer"/> names the other side in errors.</summary>
    /// <exception cref="IOException">The connection closed first, the head is too long or is not HTTP.</exception>
    public static async ValueTask<HttpResponseHead> ReadAsync(Stream stream, string peer, CancellationToken cancellationToken)
    {
        var bytes = new byte[MaxBytes];
        int length = 0;
        // One byte at a time: a handshake reads a few hundred bytes once per connection, and reading ahead would
        // swallow the first bytes of the tunnel.
        while (true)
        {
            if (length == bytes.Length) throw new IOException($"{peer} sent an HTTP response head longer than {MaxBytes} bytes");
            int n = await stream.ReadAsync(bytes.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new IOException(length == 0
                    ? $"{peer} closed the connection without an HTTP answer"
                    : $"{peer} closed the connection in the middle of its HTTP answer");
            length++;
            if (length >= 4 && bytes[length - 1] == '\n' && bytes[length - 2] == '\r' && bytes[length - 3] == '\n' && bytes[length - 4] == '\r') break;
        }
        return Parse(Encoding.Latin1.GetString(bytes, 0, length - 4), peer);
    }

    private static HttpResponseHead Parse(string text, string peer)
    {
        string[] lines = text.Split("\r\n");
        string status = lines[0];
        // "HTTP/1.1 200 Connection established"
        if (!status.StartsWith("HTTP/1.", StringComparison.Ordinal) || status.Length < 12 || status[8] != ' '
            || !int.TryParse(status.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int code))
            throw new IOException($"{peer} did not answer in HTTP/1.x (first line: \"{Shorten(status)}\")");
        string reason = status.Length > 13 ? status[13..].Trim() : "";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var before) ? $"{before}, {value}" : value;
        }
        return new HttpResponseHead(code, reason, headers);
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";
}

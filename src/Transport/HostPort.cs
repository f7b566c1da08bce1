using System.Globalization;

namespace ZeroDepMqtt.Transport;

/// <summary>The one parser of the <c>host[:port]</c> part of an address (IPv6 literals in brackets), shared by
/// <see cref="BrokerAddress"/> and <see cref="Connections.HttpProxy"/>; each names the address its own way in messages.</summary>
internal static class HostPort
{
    /// <summary>Splits <paramref name="hostPort"/> into host (without brackets) and port (<paramref name="defaultPort"/> when
    /// none is written). <paramref name="subject"/> names the whole address in messages (quoted, never with credentials),
    /// <paramref name="portPreposition"/> joins "port "x"" to it ("in", "of"), <paramref name="bracketExample"/> ends the
    /// IPv6 hint.</summary>
    public static bool TryParse(string hostPort, int defaultPort, string subject, string portPreposition, string bracketExample,
        out string host, out int port, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        host = "";
        port = defaultPort;
        string? portText = null;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']');
            if (close < 0) { error = $"{subject} opens an IPv6 bracket but does not close it"; return false; }
            host = hostPort[1..close];
            string after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':') { error = $"{subject}: expected ':port' after the IPv6 address"; return false; }
                portText = after[1..];
            }
        }
        else
        {
            int colon = hostPort.LastIndexOf(':');
            if (colon >= 0 && hostPort.IndexOf(':') != colon) { error = $"{subject}: an IPv6 address must be written in brackets{bracketExample}"; return false; }
            host = colon >= 0 ? hostPort[..colon] : hostPort;
            if (colon >= 0) portText = hostPort[(colon + 1)..];
        }
        if (host.Length == 0) { error = $"{subject} has no host"; return false; }
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"port \"{portText}\" {portPreposition} {subject} is not a number from 1 to 65535";
            return false;
        }
        error = null;
        return true;
    }
}

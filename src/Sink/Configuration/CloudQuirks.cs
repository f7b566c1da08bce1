using System.Globalization;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>Known limits of the big cloud brokers, warned about up front instead of discovered as a hang.</summary>
internal static class CloudQuirks
{
    /// <summary>How close to its expiry a SAS token gets a warning.</summary>
    public static readonly TimeSpan SasExpiryMargin = TimeSpan.FromHours(1);

    /// <summary>Azure IoT Hub and AWS IoT Core accept QoS 0 and 1 only; a QoS 2 publish is refused or dropped.</summary>
    public static string? CloudWithoutQos2(string host)
    {
        string h = host.TrimEnd('.');
        if (h.EndsWith(".azure-devices.net", StringComparison.OrdinalIgnoreCase)) return "Azure IoT Hub";
        if (h.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase)) return "AWS IoT";
        return null;
    }

    /// <summary>
    /// The expiry (<c>se=</c>, Unix seconds) of an Azure SAS token
    /// (<c>SharedAccessSignature sr=...&amp;sig=...&amp;se=1700000000</c>), or null when the password is not one.
    /// </summary>
    public static DateTimeOffset? SasExpiry(string password)
    {
        const string prefix = "SharedAccessSignature ";
        if (!password.StartsWith(prefix, StringComparison.Ordinal)) return null;
        foreach (var field in password[prefix.Length..].Split('&'))
        {
            var pair = field.Trim();
            if (!pair.StartsWith("se=", StringComparison.Ordinal)) continue;
            if (long.TryParse(pair.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
                && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            return null;
        }
        return null;
    }
}

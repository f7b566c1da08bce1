using System.Globalization;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>Known limits of the big cloud brokers, warned about up front instead of discovered as a hang.</summary>
internal static class CloudQuirks
{
    /// <summary>How close to its expiry a SAS token gets a warning.</summary>
    public static readonly TimeSpan SasExpiryMargin = TimeSpan.FromHours(1);

    /// <summary>Azure IoT Hub: 256 KB messages ("IoT Hub quotas and throttling"), keep-alive at most 1177 s
    /// (longer values are cut to 1177 by the hub).</summary>
    public static readonly CloudLimits Azure = new("Azure IoT Hub", 256 * 1024, MinKeepAliveSeconds: null, MaxKeepAliveSeconds: 1177);

    /// <summary>AWS IoT Core: 128 KB payloads ("AWS IoT Core message broker and protocol limits"), keep-alive 30 to 1200 s.</summary>
    public static readonly CloudLimits Aws = new("AWS IoT", 128 * 1024, MinKeepAliveSeconds: 30, MaxKeepAliveSeconds: 1200);

    /// <summary>The limits of the cloud broker <paramref name="host"/> names, or null for another host.</summary>
    public static CloudLimits? LimitsOf(string host)
    {
        string h = host.TrimEnd('.');
        if (h.EndsWith(".azure-devices.net", StringComparison.OrdinalIgnoreCase)) return Azure;
        if (h.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase)) return Aws;
        return null;
    }

    /// <summary>Azure IoT Hub and AWS IoT Core accept QoS 0 and 1 only; a QoS 2 publish is refused or dropped.</summary>
    public static string? CloudWithoutQos2(string host) => LimitsOf(host)?.Cloud;

    /// <summary>A warning when <paramref name="keepAliveSeconds"/> is outside the cloud's bounds (0, off, is outside too:
    /// the broker then applies its own maximum), else null.</summary>
    public static string? KeepAliveProblem(CloudLimits limits, string host, int keepAliveSeconds)
    {
        bool tooLong = keepAliveSeconds == 0 || keepAliveSeconds > limits.MaxKeepAliveSeconds;
        bool tooShort = limits.MinKeepAliveSeconds is { } min && keepAliveSeconds != 0 && keepAliveSeconds < min;
        if (!tooLong && !tooShort) return null;
        string range = limits.MinKeepAliveSeconds is { } low ? $"{low} to {limits.MaxKeepAliveSeconds} s" : $"at most {limits.MaxKeepAliveSeconds} s";
        string what = keepAliveSeconds == 0 ? "0 (off)" : $"{keepAliveSeconds} s";
        return $"keep-alive {what} is outside what {limits.Cloud} ({host}) accepts, {range}: it uses its own value instead, so a dead connection is noticed at a different time than configured";
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

/// <summary>Documented limits of a cloud MQTT broker, warned about at validate time and enforced on publish.</summary>
/// <param name="Cloud">The service's name.</param>
/// <param name="MaxPayloadBytes">The largest message payload it accepts; a larger one closes the connection.</param>
/// <param name="MinKeepAliveSeconds">The shortest keep-alive it accepts, or null.</param>
/// <param name="MaxKeepAliveSeconds">The longest keep-alive it accepts.</param>
internal sealed record CloudLimits(string Cloud, int MaxPayloadBytes, int? MinKeepAliveSeconds, int MaxKeepAliveSeconds);

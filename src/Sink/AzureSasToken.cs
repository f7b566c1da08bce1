using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// Azure IoT Hub shared access signatures, made from a device key as Azure documents
/// ("Control access to IoT Hub using SAS tokens"): <c>SharedAccessSignature sr={URL-encoded resource URI}&amp;sig={URL-encoded
/// base64 HMAC-SHA256 over "sr\nse" with the decoded key}&amp;se={expiry in Unix seconds}</c>. URL encoding is
/// <see cref="WebUtility.UrlEncode(string)"/>, as in Azure's C# sample.
/// </summary>
public static class AzureSasToken
{
    /// <summary>The resource URI of a device: <c>{hub host}/devices/{device id}</c>.</summary>
    /// <exception cref="ArgumentException">A value is null or empty.</exception>
    public static string DeviceResource(string hubHost, string deviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(hubHost);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        return $"{hubHost}/devices/{deviceId}";
    }

    /// <summary>The token for <paramref name="resourceUri"/> (not yet URL-encoded), valid until <paramref name="expiry"/>
    /// (rounded up to the next whole second).</summary>
    /// <exception cref="ArgumentException">The key is empty or the resource URI is null or empty.</exception>
    public static string Create(ReadOnlySpan<byte> deviceKey, string resourceUri, DateTimeOffset expiry)
    {
        if (deviceKey.IsEmpty) throw new ArgumentException("the device key is empty", nameof(deviceKey));
        ArgumentException.ThrowIfNullOrEmpty(resourceUri);
        long seconds = expiry.ToUnixTimeSeconds();
        if (expiry > DateTimeOffset.FromUnixTimeSeconds(seconds)) seconds++;
        string sr = WebUtility.UrlEncode(resourceUri);
        string se = seconds.ToString(CultureInfo.InvariantCulture);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(deviceKey, Encoding.UTF8.GetBytes(sr + "\n" + se), mac);
        string sig = WebUtility.UrlEncode(Convert.ToBase64String(mac));
        return $"SharedAccessSignature sr={sr}&sig={sig}&se={se}";
    }

    /// <summary>How long before a token's expiry the sink reconnects with a new one: a fifth of its lifetime, at most
    /// 5 minutes (a 1-hour token is renewed after 55 minutes).</summary>
    public static TimeSpan RenewalMargin(TimeSpan ttl) => TimeSpan.FromTicks(Math.Min(ttl.Ticks / 5, TimeSpan.FromMinutes(5).Ticks));
}

using System.Globalization;
using ZeroDepMqtt.Transport;
using N = ZeroDepMqtt.Sink.Configuration.OptionNames;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary><c>sharedAccessKey</c> and <c>sasTokenTtl</c>: the key is base64, comes without a password, with a user
/// name and the device id as client id. No message quotes the key.</summary>
internal static class SasChecks
{
    /// <summary>The shortest token lifetime: the sink reconnects when four fifths of it are over.</summary>
    public const int MinTtlSeconds = 10;

    /// <summary>Azure's documented default for device tokens (one hour).</summary>
    public const int DefaultTtlSeconds = 3600;

    public sealed record Sas(byte[] Key, TimeSpan Ttl, string Resource);

    public static Sas? Run(MqttSinkOptions o, BrokerAddress? broker, bool clientIdGenerated, ProblemList p)
    {
        if (o.SharedAccessKey is null || p.HasError(N.SharedAccessKey))
        {
            if (o.SasTokenTtl is not null && !p.HasError(N.SasTokenTtl))
                p.Warn(N.SasTokenTtl, "is set without sharedAccessKey; it only sets the lifetime of the SAS tokens made from that key, so it is ignored");
            return null;
        }
        int errors = p.Errors.Count;
        byte[]? key = null;
        try
        {
            key = Convert.FromBase64String(o.SharedAccessKey.Trim());
            if (key.Length == 0) p.Error(N.SharedAccessKey, "is empty; expected the base64 device key (the primary or secondary key of the device in IoT Hub)");
        }
        catch (FormatException)
        {
            p.Error(N.SharedAccessKey, "is not valid base64; expected the device key exactly as IoT Hub shows it (the primary or secondary key of the device)");
        }
        if (o.Password is not null && !p.HasError(N.Password))
            p.Error(N.SharedAccessKey, "cannot be combined with password: the sink makes the password (a SAS token) from the key; remove one of them");
        if (o.Username is null && !p.HasError(N.Username))
            p.Error(N.Username, $"is missing; with sharedAccessKey the SAS token is sent as the password, which needs a user name (IoT Hub expects \"{broker?.Host ?? "{hub}.azure-devices.net"}/{{deviceId}}/?api-version=2021-04-12\")");
        if (clientIdGenerated && !p.HasError(N.ClientId))
            p.Error(N.ClientId, "is missing; with sharedAccessKey the client id is the device id the token is made for: set clientId to the device id");
        int ttl = o.SasTokenTtl ?? DefaultTtlSeconds;
        if (!p.HasError(N.SasTokenTtl) && ttl < MinTtlSeconds)
            p.Error(N.SasTokenTtl, $"is {ttl.ToString(CultureInfo.InvariantCulture)}; expected at least {MinTtlSeconds} seconds (the sink reconnects with a new token when four fifths of its lifetime are over)");
        if (p.Errors.Count > errors || key is null || broker is null || o.ClientId is null) return null;
        return new Sas(key, TimeSpan.FromSeconds(ttl), AzureSasToken.DeviceResource(broker.Host, o.ClientId));
    }
}

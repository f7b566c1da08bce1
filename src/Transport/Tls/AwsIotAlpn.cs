namespace ZeroDepMqtt.Transport.Tls;

/// <summary>
/// The one owner of AWS IoT's port-443 rule: AWS IoT Core speaks MQTT on 443 only to a client that names the
/// authentication in ALPN: <c>x-amzn-mqtt-ca</c> for an X.509 client certificate, <c>mqtt</c> for a custom authorizer
/// (user name and password). Applied by <see cref="MqttClient"/> when <see cref="TlsOptions.ApplicationProtocols"/> is null.
/// </summary>
public static class AwsIotAlpn
{
    /// <summary>ALPN for client-certificate authentication on port 443.</summary>
    public const string ClientCertificate = "x-amzn-mqtt-ca";

    /// <summary>ALPN for custom-authorizer (user name) authentication on port 443.</summary>
    public const string CustomAuthorizer = "mqtt";

    /// <summary>Whether <paramref name="broker"/> is AWS IoT (a host under <c>amazonaws.com</c>) on TLS port 443 (not WebSocket).</summary>
    public static bool IsAwsOn443(BrokerAddress broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return broker.Port == 443 && broker.UseTls && !broker.UseWebSocket
            && broker.Host.TrimEnd('.').EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The ALPN protocols to offer to <paramref name="broker"/>: <paramref name="tls"/>'s own list when it has one;
    /// for AWS IoT on 443 <c>mqtt</c> when a user name is set, else <c>x-amzn-mqtt-ca</c> when a client certificate is;
    /// otherwise null (no ALPN extension).</summary>
    public static IReadOnlyList<string>? For(BrokerAddress broker, TlsOptions tls, string? userName)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (tls.ApplicationProtocols is not null || !IsAwsOn443(broker)) return tls.ApplicationProtocols;
        if (userName is not null) return [CustomAuthorizer];
        return tls.HasClientCertificate ? [ClientCertificate] : null;
    }
}

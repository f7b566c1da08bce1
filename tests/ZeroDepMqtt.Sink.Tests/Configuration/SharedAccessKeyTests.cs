using System.Security.Cryptography;
using System.Text;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink.Tests.Configuration;

/// <summary><c>sharedAccessKey</c>/<c>sasTokenTtl</c>: the token against Azure's published steps, the validation
/// messages, the key never printed, and the client options it becomes (a token per connection, a connection lifetime).</summary>
public sealed class SharedAccessKeyTests(TestFiles files) : IClassFixture<TestFiles>
{
    // Not a real device key: 32 bytes 0x00..0x1F, base64.
    private static readonly byte[] KeyBytes = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly string Key = Convert.ToBase64String(KeyBytes);

    private ConfigResult Parse(string json) => MqttSinkConfig.Parse(json, files.Context);

    private static string Cfg(string extra = "")
        => $$"""{"server": "ssl://myhub.azure-devices.net:8883", "topic": "devices/dev-1/messages/events/", "clientId": "dev-1", "username": "myhub.azure-devices.net/dev-1/?api-version=2021-04-12", "protocolVersion": "3.1.1", "sharedAccessKey": "{{Key}}"{{extra}}}""";

    [Fact]
    public void The_token_follows_the_documented_steps_with_a_fixed_key_and_time()
    {
        // Azure "Control access to IoT Hub using SAS tokens": URL-encode the resource URI; sign "<encoded uri>\n<expiry>"
        // with HMAC-SHA256 keyed by the base64-decoded key; URL-encode the base64 signature. Done by hand here, with a
        // keyed HMACSHA256 instance and per-character percent-encoding, apart from the sink's code.
        const long expiry = 1_767_225_600; // 2026-01-01 00:00:00 UTC
        string encodedUri = "myhub.azure-devices.net%2Fdevices%2Fdev-1";
        using var hmac = new HMACSHA256(KeyBytes);
        string signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(encodedUri + "\n" + expiry)));
        string encodedSignature = signature.Replace("+", "%2B").Replace("/", "%2F").Replace("=", "%3D");
        string expected = $"SharedAccessSignature sr={encodedUri}&sig={encodedSignature}&se={expiry}";

        string token = AzureSasToken.Create(KeyBytes, "myhub.azure-devices.net/devices/dev-1", DateTimeOffset.FromUnixTimeSeconds(expiry));

        Assert.Equal(expected, token);
        // The same token from a point inside the last second: expiry rounds up, never down (the token must not end early).
        Assert.Equal(expected, AzureSasToken.Create(KeyBytes, "myhub.azure-devices.net/devices/dev-1", DateTimeOffset.FromUnixTimeSeconds(expiry - 1).AddMilliseconds(1)));
    }

    [Fact]
    public void Settings_carry_the_resource_and_ttl_and_validate_never_prints_the_key()
    {
        var result = Parse(Cfg(", \"sasTokenTtl\": 600"));
        var settings = result.GetSettingsOrThrow();
        Assert.Equal("myhub.azure-devices.net/devices/dev-1", settings.SasResource);
        Assert.Equal(TimeSpan.FromSeconds(600), settings.SasTokenTtl);
        string described = settings.Describe();
        Assert.Contains("sharedAccessKey       (set)\n", described);
        Assert.Contains("sasTokenTtl           600 s (sr=myhub.azure-devices.net/devices/dev-1; reconnects 120 s before expiry)\n", described);
        foreach (string text in new[] { described, settings.ToString(), result.Options!.ToString() })
            Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_gets_a_fresh_token_per_connection_and_a_lifetime_before_expiry()
    {
        var settings = Parse(Cfg()).GetSettingsOrThrow();
        var options = SinkSettingsMapping.ToClientOptions(settings, new MqttSinkRuntimeOptions());
        // Default ttl 3600 s; renewed 300 s (the cap of a fifth) before expiry.
        Assert.Equal(TimeSpan.FromSeconds(3300), options.MaxConnectionLifetime);
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string token = Encoding.UTF8.GetString((await options.PasswordProvider!(CancellationToken.None))!);
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.StartsWith("SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev-1&sig=", token);
        long se = long.Parse(token[(token.LastIndexOf("&se=", StringComparison.Ordinal) + 4)..]);
        Assert.InRange(se, before + 3600, after + 3601);
        string expected = AzureSasToken.Create(KeyBytes, "myhub.azure-devices.net/devices/dev-1", DateTimeOffset.FromUnixTimeSeconds(se));
        Assert.Equal(expected, token);
    }

    [Fact]
    public void Without_a_key_there_is_no_lifetime()
        => Assert.Null(SinkSettingsMapping.ToClientOptions(Parse("""{"server": "tcp://a", "topic": "t"}""").GetSettingsOrThrow(), new MqttSinkRuntimeOptions()).MaxConnectionLifetime);

    [Theory]
    [InlineData(", \"password\": \"x\"", "sharedAccessKey: cannot be combined with password: the sink makes the password (a SAS token) from the key; remove one of them")]
    [InlineData(", \"sasTokenTtl\": 9", "sasTokenTtl: is 9; expected at least 10 seconds (the sink reconnects with a new token when four fifths of its lifetime are over)")]
    [InlineData(", \"sasTokenTtl\": \"60\"", "sasTokenTtl: \"60\" is a string; expected an integer without quotes")]
    public void Bad_combinations_are_errors(string extra, string expected)
    {
        var result = Parse(Cfg(extra));
        Assert.False(result.IsValid);
        Assert.Contains(expected, result.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("not base64!", "sharedAccessKey: is not valid base64; expected the device key exactly as IoT Hub shows it (the primary or secondary key of the device)")]
    [InlineData("", "sharedAccessKey: is empty; expected the base64 device key (the primary or secondary key of the device in IoT Hub)")]
    public void A_bad_key_is_an_error_that_does_not_quote_it(string key, string expected)
    {
        var result = Parse(Cfg().Replace(Key, key));
        Assert.Contains(expected, result.Errors.Select(e => e.ToString()));
        if (key.Length > 0) Assert.DoesNotContain(result.Errors.Concat(result.Warnings), p => p.ToString().Contains(key));
    }

    [Fact]
    public void A_key_needs_a_username_and_the_device_id_as_client_id()
    {
        var result = Parse($$"""{"server": "ssl://myhub.azure-devices.net:8883", "topic": "t", "sharedAccessKey": "{{Key}}"}""");
        Assert.Contains("username: is missing; with sharedAccessKey the SAS token is sent as the password, which needs a user name (IoT Hub expects \"myhub.azure-devices.net/{deviceId}/?api-version=2021-04-12\")", result.Errors.Select(e => e.ToString()));
        Assert.Contains("clientId: is missing; with sharedAccessKey the client id is the device id the token is made for: set clientId to the device id", result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_ttl_without_a_key_is_warned_and_a_misspelt_key_gets_did_you_mean()
    {
        var result = Parse("""{"server": "tcp://a", "topic": "t", "sasTokenTtl": 60, "sharedAccesKey": "x"}""");
        Assert.Contains("sasTokenTtl: is set without sharedAccessKey; it only sets the lifetime of the SAS tokens made from that key, so it is ignored", result.Warnings.Select(w => w.ToString()));
        Assert.Contains(result.Warnings, w => w.ToString().Contains("did you mean \"sharedAccessKey\"?"));
    }

    [Fact]
    public void A_key_of_the_wrong_json_type_is_not_quoted()
    {
        var result = Parse(Cfg().Replace($"\"{Key}\"", "12345678"));
        Assert.Contains("sharedAccessKey: found a number; expected a string: the base64 device key", result.Errors.Select(e => e.ToString()));
    }
}

using ZeroDepMqtt.Sink.Tests.Configuration;

namespace ZeroDepMqtt.Sink.Tests;

/// <summary>The password and passphrase never appear in a message, a description, a ToString or CLI output.</summary>
public sealed class SecretsTests(TestFiles files) : IClassFixture<TestFiles>
{
    private static readonly string[] Secrets = [TestFiles.Password, TestFiles.Passphrase];

    /// <summary>Configs beyond the malformed table that put the passphrase on error and warning paths.</summary>
    public static readonly Dictionary<string, string> SecretCases = new()
    {
        ["passphrase-without-key"] = MalformedCases.Cfg(("privateKeyPassphrase", $"\"{TestFiles.Passphrase}\"")),
        ["passphrase-unencrypted-key"] = MalformedCases.Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"key.pem\""), ("privateKeyPassphrase", $"\"{TestFiles.Passphrase}\"")),
        ["passphrase-valid"] = MalformedCases.Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"key-enc.pem\""), ("privateKeyPassphrase", $"\"{TestFiles.Passphrase}\"")),
        ["passphrase-broken-json"] = "{\"privateKeyPassphrase\": " + TestFiles.Passphrase + "}",
        ["password-broken-json"] = "{\"password\": \"" + TestFiles.Password + "\" \"x\": 1}",
        ["password-unterminated"] = "{\"password\": \"" + TestFiles.Password,
        ["password-bad-literal"] = "{\"password\": t" + TestFiles.Password + "}",
        ["password-too-long"] = MalformedCases.Cfg(("password", $"\"{string.Concat(Enumerable.Repeat(TestFiles.Password, 5000))}\"")),
        ["password-object"] = MalformedCases.Cfg(("password", $"{{\"{TestFiles.Password}\": \"{TestFiles.Password}\"}}")),
        ["password-in-wrapper-siblings"] = "{\"mqtt\": " + MalformedCases.Cfg() + ", \"password\": \"" + TestFiles.Password + "\"}",
        ["password-sas-expired"] = MalformedCases.Cfg(("password", $"\"SharedAccessSignature sr=x&sig={TestFiles.Password}&se=1\"")),
        ["password-valid"] = MalformedCases.Cfg(),
        ["sas-key-not-base64"] = MalformedCases.Cfg(("sharedAccessKey", $"\"{TestFiles.Password}\""), ("clientId", "\"dev\"")),
        ["sas-key-object"] = MalformedCases.Cfg(("sharedAccessKey", $"{{\"{TestFiles.Password}\": 1}}")),
        ["sas-key-valid"] = MalformedCases.Cfg(("sharedAccessKey", $"\"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(TestFiles.Password))}\""), ("clientId", "\"dev\"")),
        ["private-key-raw-not-base64"] = MalformedCases.Cfg(("privateKeyRaw", $"\"{TestFiles.Password}\"")),
        ["private-key-raw-number"] = "{\"privateKeyRaw\": 1" + TestFiles.Password + "}",
    };

    public static IEnumerable<object[]> AllIds()
        => MalformedCases.All.Keys.Select(k => new object[] { "table:" + k }).Concat(SecretCases.Keys.Select(k => new object[] { "secret:" + k }));

    private ConfigResult Run(string id) => id.StartsWith("table:", StringComparison.Ordinal)
        ? MalformedCases.Run(MalformedCases.All[id["table:".Length..]], files)
        : MqttSinkConfig.Parse(SecretCases[id["secret:".Length..]], files.Context);

    private static void AssertClean(string text)
    {
        foreach (var secret in Secrets) Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllIds))]
    public void No_secret_in_any_message_or_description(string id)
    {
        var result = Run(id);
        foreach (var p in result.Errors.Concat(result.Warnings)) AssertClean(p.ToString());
        if (result.Options is { } o) AssertClean(o.ToString());
        if (result.Settings is { } s) { AssertClean(s.Describe()); AssertClean(s.ToString()); }
        if (!result.IsValid) AssertClean(Assert.Throws<ConfigurationException>(() => result.GetSettingsOrThrow()).Message);
    }

    [Fact]
    public void The_secret_cases_do_reach_error_and_warning_paths()
    {
        Assert.False(Run("secret:passphrase-without-key").IsValid);
        Assert.Contains(Run("secret:passphrase-unencrypted-key").Warnings, w => w.Option == "privateKeyPassphrase");
        Assert.True(Run("secret:passphrase-valid").IsValid);
        Assert.False(Run("secret:password-broken-json").IsValid);
        Assert.Contains(Run("secret:password-too-long").Errors, e => e.Option == "password" && e.Message.Contains("longer than 65535 bytes"));
        Assert.Contains(Run("secret:password-sas-expired").Warnings, w => w.Option == "password");
        Assert.Contains(Run("secret:password-in-wrapper-siblings").Warnings, w => w.Option == "password");
        Assert.Contains(Run("secret:sas-key-not-base64").Errors, e => e.Option == "sharedAccessKey");
        Assert.Contains(Run("secret:sas-key-valid").Errors, e => e.Option == "sharedAccessKey" && e.Message.StartsWith("cannot be combined with password", StringComparison.Ordinal));
        Assert.Contains(Run("secret:private-key-raw-not-base64").Errors, e => e.Option == "privateKeyRaw");
    }
}

using System.Text;

namespace ZeroDepMqtt.Sink.Tests.Configuration;

/// <summary>
/// One malformed configuration: JSON text (parsed) or a file name (loaded from <see cref="TestFiles"/>), the option the
/// error must name (null for whole-document problems) and a fragment its message must contain.
/// Almost every case carries the recognisable password, so the secrets test can run them all.
/// </summary>
public sealed record MalformedCase(string? Json, string? File, string? Option, string Fragment);

public static class MalformedCases
{
    private const string Pw = "\"" + TestFiles.Password + "\"";

    /// <summary>A TLS config with user name and password, with some options replaced (raw JSON) or removed (null).</summary>
    public static string Cfg(params (string Key, string? Raw)[] overrides)
    {
        var options = new List<(string Key, string? Raw)>
        {
            ("server", "\"ssl://broker.example:8883\""), ("topic", "\"devices/result\""),
            ("username", "\"user\""), ("password", Pw),
        };
        foreach (var (key, raw) in overrides)
        {
            int i = options.FindIndex(o => o.Key == key);
            if (i >= 0) options[i] = (key, raw);
            else options.Add((key, raw));
        }
        var b = new StringBuilder("{");
        foreach (var (key, raw) in options.Where(o => o.Raw is not null))
            b.Append(b.Length > 1 ? ", " : "").Append('"').Append(key).Append("\": ").Append(raw);
        return b.Append('}').ToString();
    }

    private static MalformedCase J(string json, string? option, string fragment) => new(json, null, option, fragment);
    private static MalformedCase F(string file, string fragment) => new(null, file, null, fragment);

    public static readonly Dictionary<string, MalformedCase> All = new()
    {
        // server
        ["server-space-in-host"] = J(Cfg(("server", "\"tcp://a b:1883\"")), "server", "host \"a b\" in \"tcp://a b:1883\" is not a valid host name or IP address"),
        ["server-query-in-host"] = J(Cfg(("server", "\"tcp://host?x=1:1883\"")), "server", "has a path (\"?x=1:1883\")"),
        ["server-bad-ipv6"] = J(Cfg(("server", "\"tcp://[zzz]:1883\"")), "server", "\"[zzz]\" in \"tcp://[zzz]:1883\" is not an IPv6 address"),
        ["clientId-lone-surrogate"] = J(Cfg(("clientId", "\"a\\ud800\"")), "clientId", "contains a lone surrogate escape"),
        ["topic-lone-surrogate"] = J(Cfg(("topic", "\"t/\\udc00\"")), "topic", "contains a lone surrogate escape"),
        ["username-lone-surrogate"] = J(Cfg(("username", "\"\\ud800\"")), "username", "contains a lone surrogate escape"),
        ["password-lone-surrogate"] = J(Cfg(("password", "\"p\\ud800\"")), "password", "contains a lone surrogate escape"),
        ["mqtt-wrapper-twice"] = J("{\"mqtt\": {\"server\": \"tcp://a:1883\", \"topic\": \"t\"}, \"mqtt\": {\"server\": \"tcp://b:1883\", \"topic\": \"t\", \"password\": " + Pw + "}}", "mqtt", "appears more than once; keep one"),
        ["mqtt-wrapper-two-spellings"] = J("{\"mqtt\": {\"server\": \"tcp://a:1883\", \"topic\": \"t\"}, \"MQTT\": {\"server\": \"tcp://b:1883\", \"topic\": \"t\"}}", "mqtt", "appears more than once (as \"mqtt\" and \"MQTT\")"),
        ["server-number"] = J(Cfg(("server", "1883")), "server", "1883 is a number; expected a string such as \"tcp://127.0.0.1:1883\""),
        ["server-missing"] = J(Cfg(("server", null)), "server", "is missing; this option is required"),
        ["server-null"] = J(Cfg(("server", "null")), "server", "is missing; this option is required"),
        ["server-empty"] = J(Cfg(("server", "\"\"")), "server", "is missing; this option is required"),
        ["server-http"] = J(Cfg(("server", "\"http://h:80\"")), "server", "scheme \"http\" is not supported"),
        ["server-tcp-path"] = J(Cfg(("server", "\"tcp://h:1883/mqtt\"")), "server", "only ws:// and wss:// take a path"),
        ["server-port"] = J(Cfg(("server", "\"tcp://h:99999\"")), "server", "port \"99999\" in \"tcp://h:99999\" is not a number from 1 to 65535"),
        ["server-credentials"] = J(Cfg(("server", "\"tcp://user:" + TestFiles.Password + "@h\"")), "server", "credentials in the address are not supported"),
        ["server-no-scheme"] = J(Cfg(("server", "\"broker:1883\"")), "server", "has no scheme"),
        // topic
        ["topic-missing"] = J(Cfg(("topic", null)), "topic", "is missing; this option is required"),
        ["topic-empty"] = J(Cfg(("topic", "\"\"")), "topic", "topic name is empty (MQTT-4.7.3-1)"),
        ["topic-plus"] = J(Cfg(("topic", "\"a/+/c\"")), "topic", "contains the wildcard '+' at character 2"),
        ["topic-hash"] = J(Cfg(("topic", "\"a/#\"")), "topic", "contains the wildcard '#'"),
        ["topic-nul"] = J(Cfg(("topic", "\"a\\u0000b\"")), "topic", "contains U+0000 at character 1"),
        ["topic-too-long"] = J(Cfg(("topic", $"\"{new string('t', 65_536)}\""), ("protocolVersion", "\"3.1.1\"")), "topic", "is 65536 UTF-8 bytes; at most 65535"),
        ["topic-too-long-3.1"] = J(Cfg(("topic", $"\"{new string('t', 32_768)}\"")), "topic", "is 32768 UTF-8 bytes; with protocolVersion \"3.1\" at most 32767"),
        ["topic-number"] = J(Cfg(("topic", "7")), "topic", "7 is a number; expected a string"),
        // qos
        ["qos-string"] = J(Cfg(("qos", "\"1\"")), "qos", "\"1\" is a string; expected the integer 0, 1 or 2"),
        ["qos-fraction"] = J(Cfg(("qos", "1.5")), "qos", "1.5 is not an integer; expected the integer 0, 1 or 2"),
        ["qos-1.0"] = J(Cfg(("qos", "1.0")), "qos", "1.0 is written with a fraction or an exponent; write it as the plain integer 1; expected the integer 0, 1 or 2"),
        ["qos-1e0"] = J(Cfg(("qos", "1e0")), "qos", "1e0 is written with a fraction or an exponent; write it as the plain integer 1; expected the integer 0, 1 or 2"),
        ["qos-2e0"] = J(Cfg(("qos", "20e-1")), "qos", "20e-1 is written with a fraction or an exponent; write it as the plain integer 2"),
        ["qos-3"] = J(Cfg(("qos", "3")), "qos", "3 is out of range; expected the integer 0, 1 or 2"),
        ["qos-negative"] = J(Cfg(("qos", "-1")), "qos", "-1 is out of range; expected the integer 0, 1 or 2"),
        ["qos-bool"] = J(Cfg(("qos", "true")), "qos", "true is a boolean; expected the integer 0, 1 or 2"),
        ["qos-huge"] = J(Cfg(("qos", "99999999999")), "qos", "99999999999 is out of range"),
        ["qos-object"] = J(Cfg(("qos", "{\"level\": 1}")), "qos", "found an object; expected the integer 0, 1 or 2"),
        // protocolVersion
        ["version-number"] = J(Cfg(("protocolVersion", "3.1")), "protocolVersion", "3.1 is a number; expected a string: \"3.1\" or \"3.1.1\""),
        ["version-5"] = J(Cfg(("protocolVersion", "\"5\"")), "protocolVersion", "\"5\" is MQTT 5, which is not supported"),
        ["version-unknown"] = J(Cfg(("protocolVersion", "\"3.2\"")), "protocolVersion", "\"3.2\" is not a supported version; expected \"3.1\" (or \"3\") or \"3.1.1\" (or \"4\")"),
        // clientId
        ["clientId-long-3.1"] = J(Cfg(("clientId", $"\"{new string('c', 24)}\"")), "clientId", "is 24 bytes; protocolVersion \"3.1\" (the default) allows 1 to 23"),
        ["clientId-number"] = J(Cfg(("clientId", "42")), "clientId", "42 is a number; expected a string"),
        ["clientId-nul"] = J(Cfg(("clientId", "\"a\\u0000\"")), "clientId", "clientId contains U+0000"),
        // credentials
        ["username-array"] = J(Cfg(("username", "[\"u\"]")), "username", "found an array; expected a string"),
        ["password-number"] = J(Cfg(("password", "12345")), "password", "found a number; expected a string"),
        ["password-without-username"] = J(Cfg(("username", null)), "password", "is set without username; MQTT sends a password only with a user name (MQTT-3.1.2-22"),
        // booleans
        ["retained-string"] = J(Cfg(("retained", "\"true\"")), "retained", "\"true\" is a string; expected true or false without quotes"),
        ["retained-number"] = J(Cfg(("retained", "1")), "retained", "1 is a number; expected true or false"),
        ["insecure-on-tcp"] = J(Cfg(("server", "\"tcp://h\""), ("insecureSkipVerify", "true")), "insecureSkipVerify", "is true but server tcp://h:1883 is plain TCP"),
        ["insecure-string"] = J(Cfg(("insecureSkipVerify", "\"yes\"")), "insecureSkipVerify", "\"yes\" is a string; expected true or false"),
        // TLS files
        ["cert-on-tcp"] = J(Cfg(("server", "\"mqtt://h\""), ("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"key.pem\"")), "certificationPath", "is set but server tcp://h:1883 is plain TCP, so no TLS would be used"),
        ["rootca-on-tcp"] = J(Cfg(("server", "\"tcp://h\""), ("rootCaPath", "\"ca.pem\"")), "rootCaPath", "is plain TCP, so no TLS would be used"),
        ["cert-without-key"] = J(Cfg(("certificationPath", "\"cert.pem\"")), "privateKeyPath", "is missing; certificationPath is set"),
        ["key-without-cert"] = J(Cfg(("privateKeyPath", "\"key.pem\"")), "certificationPath", "is missing; privateKeyPath is set"),
        ["key-directory"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"adir\"")), "privateKeyPath", "\"adir\" is a directory"),
        ["key-missing-file"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"nope/key.pem\"")), "privateKeyPath", "\"nope/key.pem\" not found (looked for"),
        ["key-unreadable"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"unreadable.pem\"")), "privateKeyPath", "\"unreadable.pem\" cannot be read: permission denied"),
        ["key-huge"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"huge.pem\"")), "privateKeyPath", "\"huge.pem\" is larger than 1 MiB (1048576 bytes)"),
        ["key-empty"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"empty.pem\"")), "privateKeyPath", "\"empty.pem\" is empty; expected a PEM private key file"),
        ["cert-expired"] = J(Cfg(("certificationPath", "\"cert-expired.pem\""), ("privateKeyPath", "\"key.pem\"")), "certificationPath", "\"cert-expired.pem\" expired on 2024-12-31"),
        ["cert-not-yet-valid"] = J(Cfg(("certificationPath", "\"cert-future.pem\""), ("privateKeyPath", "\"key.pem\"")), "certificationPath", "\"cert-future.pem\" is not valid before 2025-01-02"),
        ["ca-garbage-between-markers"] = J(Cfg(("rootCaPath", "\"ca-garbage.pem\"")), "rootCaPath", "\"ca-garbage.pem\" has a certificate block that does not decode"),
        ["key-not-pem"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"notpem.txt\"")), "privateKeyPath", "\"notpem.txt\" is not a PEM file: it has no \"-----BEGIN\" line"),
        ["key-openssh"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"ssh.key\"")), "privateKeyPath", "is an OpenSSH key"),
        ["key-is-cert"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"ca.pem\"")), "privateKeyPath", "holds a certificate, not a private key"),
        ["key-encrypted-no-passphrase"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"key-enc.pem\"")), "privateKeyPath", "\"key-enc.pem\" is encrypted; set privateKeyPassphrase"),
        ["cert-der"] = J(Cfg(("certificationPath", "\"cert.der\""), ("privateKeyPath", "\"key.pem\"")), "certificationPath", "it looks like DER (binary)"),
        ["cert-is-key"] = J(Cfg(("certificationPath", "\"key.pem\""), ("privateKeyPath", "\"key.pem\"")), "certificationPath", "holds a private key, not a certificate; are certificationPath and privateKeyPath swapped?"),
        ["cert-unreadable"] = J(Cfg(("certificationPath", "\"unreadable.pem\""), ("privateKeyPath", "\"key.pem\"")), "certificationPath", "cannot be read: permission denied"),
        ["rootca-is-key"] = J(Cfg(("rootCaPath", "\"key.pem\"")), "rootCaPath", "holds no certificate; expected a \"-----BEGIN CERTIFICATE-----\" block"),
        ["rootca-directory"] = J(Cfg(("rootCaPath", "\"adir\"")), "rootCaPath", "is a directory"),
        ["rootca-number"] = J(Cfg(("rootCaPath", "5")), "rootCaPath", "5 is a number; expected a string: the path of a PEM CA certificate file"),
        ["passphrase-without-key"] = J(Cfg(("privateKeyPassphrase", $"\"{TestFiles.Passphrase}\"")), "privateKeyPassphrase", "is set without privateKeyPath"),
        ["passphrase-number"] = J(Cfg(("certificationPath", "\"cert.pem\""), ("privateKeyPath", "\"key-enc.pem\""), ("privateKeyPassphrase", "1234")), "privateKeyPassphrase", "found a number; expected a string"),
        // document shape
        ["duplicate"] = J(Cfg(("qos", "1"), ("QoS", "2")), "qos", "appears more than once (as \"qos\" and \"QoS\"); keep one"),
        ["mqtt-not-object"] = J("{\"mqtt\": \"tcp://h\", \"password\": " + Pw + "}", "mqtt", "\"tcp://h\" is a string; expected an object holding the options"),
        ["root-array"] = J("[" + Cfg() + "]", null, "the configuration must hold a JSON object (the options, bare or as {\"mqtt\": {...}}); found an array"),
        ["root-string"] = J("\"" + TestFiles.Password + "\"", null, "must hold a JSON object"),
        ["json-unclosed"] = J(Cfg()[..^1], null, "the configuration is not valid JSON: line 1, position"),
        ["json-missing-colon"] = J("{\n  \"server\": \"tcp://h\",\n  \"topic\" \"t\"}", null, "is not valid JSON: line 3, position 11"),
        ["json-bare-word"] = J("{\"username\": \"u\", \"password\": " + TestFiles.Password + "}", null, "is not valid JSON: line 1, position 31"),
        ["json-trailing"] = J(Cfg() + " x", null, "is not valid JSON"),
        ["json-empty"] = J("", null, "the configuration is empty; expected a JSON object"),
        // files
        ["file-missing"] = F("missing.json", "config file \"missing.json\" not found (looked for"),
        ["file-directory"] = F("adir", "config file \"adir\" is a directory"),
        ["file-empty"] = F("empty.json", "config file \"empty.json\" is empty"),
        ["file-blank"] = F("blank.json", "config file \"blank.json\" is empty; expected a JSON object"),
        ["file-huge"] = F("huge.json", "config file \"huge.json\" is larger than 1 MiB (1048576 bytes)"),
        ["file-not-utf8"] = F("latin1.json", "is not UTF-8: byte 0xE9 at offset 36 (line 2)"),
        ["file-utf16"] = F("utf16.json", "is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"),
        ["file-unreadable"] = F("unreadable.json", "config file \"unreadable.json\" cannot be read: permission denied"),
    };

    public static IEnumerable<object[]> Ids() => All.Keys.Select(k => new object[] { k });

    internal static ConfigResult Run(MalformedCase c, TestFiles files)
        => c.File is not null ? MqttSinkConfig.Load(c.File, files.Context) : MqttSinkConfig.Parse(c.Json!, files.Context);
}

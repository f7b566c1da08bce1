using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>
/// Walks the JSON document with <see cref="JsonDocument"/> (no reflection, so Native AOT stays clean) and
/// builds <see cref="MqttSinkOptions"/>, reporting every value of the wrong type, duplicate and unknown name.
/// Range and meaning are <see cref="OptionsValidator"/>'s job.
/// </summary>
internal static class JsonOptionsReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        // Config files are edited by hand: comments and a trailing comma are harmless, so accept them.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    /// <summary>Reads the options from UTF-8 bytes; <paramref name="document"/> names the source in messages.</summary>
    public static MqttSinkOptions? Read(ReadOnlySpan<byte> utf8, string document, ProblemList problems)
    {
        if (!CheckEncoding(ref utf8, document, problems)) return null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8.ToArray(), DocumentOptions);
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1, position = (e.BytePositionInLine ?? 0) + 1;
            problems.Error(null, $"{document} is not valid JSON: line {line}, position {position}: {Reason(e.Message)}");
            return null;
        }
        using (doc)
        {
            try
            {
                return ReadRoot(doc.RootElement, document, problems);
            }
            catch (InvalidOperationException)
            {
                // A name with a lone surrogate escape: values are checked one by one, so this is a property name.
                problems.Error(null, $"{document} has a property name with a lone surrogate escape (\\uD800-\\uDFFF without its pair), which is not valid Unicode");
                return null;
            }
        }
    }

    private static bool CheckEncoding(ref ReadOnlySpan<byte> utf8, string document, ProblemList problems)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || utf8.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            problems.Error(null, $"{document} is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8");
            return false;
        }
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..];
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            int offset = 0;
            while (System.Text.Rune.DecodeFromUtf8(utf8[offset..], out _, out int consumed) == System.Buffers.OperationStatus.Done) offset += consumed;
            int line = utf8[..offset].Count((byte)'\n') + 1;
            problems.Error(null, $"{document} is not UTF-8: byte 0x{utf8[offset]:X2} at offset {offset} (line {line}) is not valid UTF-8; save the file as UTF-8");
            return false;
        }
        if (utf8.Length > BoundedFile.MaxBytes)
        {
            problems.Error(null, $"{document} is larger than 1 MiB ({BoundedFile.MaxBytes} bytes)");
            return false;
        }
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            problems.Error(null, $"{document} is empty; expected a JSON object such as {{\"server\": \"tcp://127.0.0.1:1883\", \"topic\": \"devices/result\"}}");
            return false;
        }
        return true;
    }

    // The reader's message ends with "LineNumber: 0 | BytePositionInLine: 3." which we already say better; and it
    // may quote a piece of the input, which could be part of a password: keep only short quoted pieces.
    private static string Reason(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        var b = new StringBuilder();
        int i = 0;
        while (i < message.Length)
        {
            int open = message.IndexOf('\'', i);
            int close = open < 0 ? -1 : message.IndexOf('\'', open + 1);
            if (close < 0) { b.Append(message, i, message.Length - i); break; }
            b.Append(message, i, open - i);
            b.Append(close - open - 1 <= 4 ? message.AsSpan(open, close - open + 1) : "'…'");
            i = close + 1;
        }
        return b.ToString().TrimEnd('.');
    }

    private static MqttSinkOptions? ReadRoot(JsonElement root, string document, ProblemList problems)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Error(null, $"{document} must hold a JSON object (the options, bare or as {{\"mqtt\": {{...}}}}); found {JsonText.TypeName(root.ValueKind)}");
            return null;
        }
        JsonElement? wrapped = null;
        string? wrapperName = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!string.Equals(property.Name, "mqtt", StringComparison.OrdinalIgnoreCase)) continue;
            if (wrapperName is not null)
            {
                string spelled = wrapperName == property.Name ? "" : $" (as \"{wrapperName}\" and \"{property.Name}\")";
                problems.Error("mqtt", $"appears more than once{spelled}; keep one object with the options");
                return null;
            }
            wrapperName = property.Name;
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                problems.Error("mqtt", $"{JsonText.Found(property.Value, secret: false)}; expected an object holding the options, as in {{\"mqtt\": {{\"server\": ...}}}}");
                return null;
            }
            wrapped = property.Value;
        }
        if (wrapped is null) return ReadOptions(root, problems);
        foreach (var property in root.EnumerateObject())
            if (!string.Equals(property.Name, "mqtt", StringComparison.OrdinalIgnoreCase))
                problems.Warn(property.Name, "is beside \"mqtt\" and is ignored; options belong inside the \"mqtt\" object");
        return ReadOptions(wrapped.Value, problems);
    }

    private static MqttSinkOptions ReadOptions(JsonElement obj, ProblemList problems)
    {
        var options = new MqttSinkOptions();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            string? name = OptionNames.Find(property.Name);
            if (name is null) { WarnUnknown(property.Name, problems); continue; }
            if (seen.TryGetValue(name, out var first))
            {
                string spelled = first == property.Name ? "" : $" (as \"{first}\" and \"{property.Name}\")";
                problems.Error(name, $"appears more than once{spelled}; keep one");
                continue;
            }
            seen.Add(name, property.Name);
            if (name != property.Name)
                problems.Warn(name, $"is written \"{property.Name}\"; accepted because eKuiper ignores case in option names, but write \"{name}\"");
            if (property.Value.ValueKind == JsonValueKind.Null) continue; // null means "not set", as in eKuiper.
            options = Apply(options, name, property.Value, problems);
        }
        return options;
    }

    private static MqttSinkOptions Apply(MqttSinkOptions o, string name, JsonElement v, ProblemList problems) => name switch
    {
        OptionNames.Server when v.ValueKind == JsonValueKind.Array => Servers(o, v, problems),
        OptionNames.Server => o with { Server = String(name, v, problems, "a string such as \"tcp://127.0.0.1:1883\" or \"ssl://host:8883\", or a list of them for failover") },
        OptionNames.HttpProxy => o with { HttpProxy = String(name, v, problems, "a string such as \"http://proxy.example:3128\"") },
        OptionNames.Topic => o with { Topic = String(name, v, problems, "a string such as \"devices/result\"") },
        OptionNames.ClientId => o with { ClientId = String(name, v, problems) },
        OptionNames.ProtocolVersion => o with { ProtocolVersion = Version(v, problems) ?? o.ProtocolVersion },
        OptionNames.Qos => o with { Qos = Qos(v, problems) ?? o.Qos },
        OptionNames.Username => o with { Username = String(name, v, problems) },
        OptionNames.Password => o with { Password = String(name, v, problems) },
        OptionNames.SharedAccessKey => o with { SharedAccessKey = String(name, v, problems, "a string: the base64 device key") },
        OptionNames.SasTokenTtl => o with { SasTokenTtl = Int(name, v, problems) ?? o.SasTokenTtl },
        OptionNames.CertificationPath => o with { CertificationPath = String(name, v, problems, "a string: the path of a PEM certificate file") },
        OptionNames.PrivateKeyPath => o with { PrivateKeyPath = String(name, v, problems, "a string: the path of a PEM private key file") },
        OptionNames.RootCaPath => o with { RootCaPath = String(name, v, problems, "a string: the path of a PEM CA certificate file") },
        OptionNames.PrivateKeyPassphrase => o with { PrivateKeyPassphrase = String(name, v, problems) },
        OptionNames.CertificationRaw => o with { CertificationRaw = String(name, v, problems, "a string: base64 of the PEM certificate") },
        OptionNames.PrivateKeyRaw => o with { PrivateKeyRaw = String(name, v, problems, "a string: base64 of the PEM private key") },
        OptionNames.RootCaRaw => o with { RootCaRaw = String(name, v, problems, "a string: base64 of the PEM CA certificates") },
        OptionNames.Alpn => o with { Alpn = Strings(name, v, problems, "a list of strings such as [\"x-amzn-mqtt-ca\"]") },
        OptionNames.TlsMinVersion => o with { TlsMinVersion = String(name, v, problems, "\"tls1.2\" or \"tls1.3\"") },
        OptionNames.RenegotiationSupport => o with { RenegotiationSupport = String(name, v, problems, "\"never\", \"once\" or \"freely\"") },
        OptionNames.InsecureSkipVerify => o with { InsecureSkipVerify = Bool(name, v, problems) ?? o.InsecureSkipVerify },
        OptionNames.Retained => o with { Retained = Bool(name, v, problems) ?? o.Retained },
        OptionNames.EnableCache => o with { EnableCache = Bool(name, v, problems) ?? o.EnableCache },
        OptionNames.CachePath => o with { CachePath = String(name, v, problems, "a string: the cache directory") },
        OptionNames.MemoryCacheThreshold => o with { MemoryCacheThreshold = Int(name, v, problems) ?? o.MemoryCacheThreshold },
        OptionNames.MaxDiskCache => o with { MaxDiskCache = Int(name, v, problems) ?? o.MaxDiskCache },
        OptionNames.BufferPageSize => o with { BufferPageSize = Int(name, v, problems) ?? o.BufferPageSize },
        OptionNames.ResendInterval => o with { ResendInterval = Int(name, v, problems) ?? o.ResendInterval },
        OptionNames.CleanCacheAtStop => o with { CleanCacheAtStop = Bool(name, v, problems) ?? o.CleanCacheAtStop },
        OptionNames.ResendPriority => o with { ResendPriority = Int(name, v, problems) ?? o.ResendPriority },
        OptionNames.ResendAlterQueue => o with { ResendAlterQueue = Bool(name, v, problems) ?? o.ResendAlterQueue },
        OptionNames.ResendDestination => o with { ResendDestination = String(name, v, problems, "a string: a topic name") },
        OptionNames.ResendIndicatorField => o with { ResendIndicatorField = String(name, v, problems) },
        OptionNames.CacheSync => o with { CacheSync = String(name, v, problems, "\"always\", \"interval\" or \"none\"") ?? o.CacheSync },
        OptionNames.CacheSyncIntervalMs => o with { CacheSyncIntervalMs = Int(name, v, problems) ?? o.CacheSyncIntervalMs },
        OptionNames.CacheFullPolicy => o with { CacheFullPolicy = String(name, v, problems, "\"block\", \"dropNewest\" or \"fail\"") ?? o.CacheFullPolicy },
        _ => ShapingOptionsReader.Apply(o, name, v, problems),
    };

    internal static string? String(string name, JsonElement v, ProblemList problems, string accepted = "a string")
    {
        if (v.ValueKind == JsonValueKind.String) return JsonText.GetString(name, v, problems);
        problems.Error(name, $"{JsonText.Found(v, OptionNames.IsSecret(name))}; expected {accepted}");
        return null;
    }

    // A list of strings (alpn); every entry checked, the list dropped on any error.
    private static IReadOnlyList<string>? Strings(string name, JsonElement v, ProblemList problems, string accepted)
    {
        if (v.ValueKind != JsonValueKind.Array) { problems.Error(name, $"{JsonText.Found(v, secret: false)}; expected {accepted}"); return null; }
        var list = new List<string>();
        int i = 0;
        foreach (var entry in v.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String) list.Add(entry.GetString()!);
            else problems.Error(name, $"entry {i}: {JsonText.Found(entry, secret: false)}; expected a string");
            i++;
        }
        return list.Count == i ? list : null;
    }

    // A failover list: every entry a string; Server is the first, so single-server code paths see the primary.
    private static MqttSinkOptions Servers(MqttSinkOptions o, JsonElement v, ProblemList problems)
    {
        var list = new List<string>();
        int i = 0;
        foreach (var entry in v.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String) list.Add(entry.GetString()!);
            else problems.Error(OptionNames.Server, $"entry {i}: {JsonText.Found(entry, secret: false)}; expected a string such as \"tcp://127.0.0.1:1883\"");
            i++;
        }
        if (i == 0) { problems.Error(OptionNames.Server, "is an empty list; give at least one address, e.g. [\"tcp://127.0.0.1:1883\"]"); return o; }
        if (list.Count < i) return o;
        return o with { Server = list[0], Servers = list };
    }

    private static string? Version(JsonElement v, ProblemList problems)
    {
        if (v.ValueKind == JsonValueKind.String) return JsonText.GetString(OptionNames.ProtocolVersion, v, problems);
        string hint = v.ValueKind == JsonValueKind.Number ? " (write the version in quotes)" : "";
        problems.Error(OptionNames.ProtocolVersion, $"{JsonText.Found(v, secret: false)}; expected a string: \"3.1\" or \"3.1.1\"{hint}");
        return null;
    }

    private static int? Qos(JsonElement v, ProblemList problems)
    {
        const string accepted = "expected the integer 0, 1 or 2";
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (!v.TryGetInt64(out long n))
            {
                // 1.0 and 1e0 are whole numbers, but not written as the integers the option takes.
                string found = v.TryGetDouble(out double d) && d is 0 or 1 or 2
                    ? $"{v.GetRawText()} is written with a fraction or an exponent; write it as the plain integer {d.ToString(CultureInfo.InvariantCulture)}"
                    : $"{v.GetRawText()} is not an integer";
                problems.Error(OptionNames.Qos, $"{found}; {accepted}");
                return null;
            }
            if (n is < int.MinValue or > int.MaxValue) { problems.Error(OptionNames.Qos, $"{v.GetRawText()} is out of range; {accepted}"); return null; }
            return (int)n;
        }
        problems.Error(OptionNames.Qos, $"{JsonText.Found(v, secret: false)}; {accepted}");
        return null;
    }

    private static int? Int(string name, JsonElement v, ProblemList problems)
    {
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt32(out int n)) return n;
            problems.Error(name, $"{v.GetRawText()} is not an integer between {int.MinValue} and {int.MaxValue}");
            return null;
        }
        string hint = v.ValueKind == JsonValueKind.String ? " without quotes" : "";
        problems.Error(name, $"{JsonText.Found(v, secret: false)}; expected an integer{hint}");
        return null;
    }

    internal static bool? Bool(string name, JsonElement v, ProblemList problems)
    {
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        string hint = v.ValueKind == JsonValueKind.String ? " without quotes" : "";
        problems.Error(name, $"{JsonText.Found(v, secret: false)}; expected true or false{hint}");
        return null;
    }

    private static void WarnUnknown(string name, ProblemList problems)
    {
        if (Array.IndexOf(OptionNames.EKuiperCommon, name) >= 0)
        {
            problems.Warn(name, "is an eKuiper rule property, not an MQTT option of this sink; ignored");
            return;
        }
        string? close = OptionNames.Closest(name);
        string hint = close is null ? "" : $"; did you mean \"{close}\"?";
        problems.Warn(name, $"is not a known option and is ignored (eKuiper ignores unknown properties too){hint}");
    }
}

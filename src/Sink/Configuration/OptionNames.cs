namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>The option names as the JSON spells them.</summary>
internal static class OptionNames
{
    public const string Server = "server";
    public const string Topic = "topic";
    public const string ClientId = "clientId";
    public const string ProtocolVersion = "protocolVersion";
    public const string Qos = "qos";
    public const string Username = "username";
    public const string Password = "password";
    public const string SharedAccessKey = "sharedAccessKey";
    public const string SasTokenTtl = "sasTokenTtl";
    public const string CertificationPath = "certificationPath";
    public const string PrivateKeyPath = "privateKeyPath";
    public const string RootCaPath = "rootCaPath";
    public const string PrivateKeyPassphrase = "privateKeyPassphrase";
    public const string CertificationRaw = "certificationRaw";
    public const string PrivateKeyRaw = "privateKeyRaw";
    public const string RootCaRaw = "rootCARaw";
    public const string TlsMinVersion = "tlsMinVersion";
    public const string Alpn = "alpn";
    public const string RenegotiationSupport = "renegotiationSupport";
    public const string InsecureSkipVerify = "insecureSkipVerify";
    public const string Retained = "retained";
    public const string HttpProxy = "httpProxy";
    public const string EnableCache = "enableCache";
    public const string CachePath = "cachePath";
    public const string MemoryCacheThreshold = "memoryCacheThreshold";
    public const string MaxDiskCache = "maxDiskCache";
    public const string BufferPageSize = "bufferPageSize";
    public const string ResendInterval = "resendInterval";
    public const string CleanCacheAtStop = "cleanCacheAtStop";
    public const string ResendPriority = "resendPriority";
    public const string ResendAlterQueue = "resendAlterQueue";
    public const string ResendDestination = "resendDestination";
    public const string ResendIndicatorField = "resendIndicatorField";
    public const string CacheSync = "cacheSync";
    public const string CacheSyncIntervalMs = "cacheSyncIntervalMs";
    public const string CacheFullPolicy = "cacheFullPolicy";

    // Message shaping (eKuiper's common sink properties), see Shaping/.
    public const string SendSingle = "sendSingle";
    public const string Fields = "fields";
    public const string ExcludeFields = "excludeFields";
    public const string DataField = "dataField";
    public const string DataTemplate = "dataTemplate";
    public const string Format = "format";
    public const string Delimiter = "delimiter";
    public const string HasHeader = "hasHeader";
    public const string OmitIfEmpty = "omitIfEmpty";
    public const string BatchSize = "batchSize";
    public const string LingerInterval = "lingerInterval";
    public const string Compression = "compression";

    public static readonly string[] All =
    [
        Server, Topic, ClientId, ProtocolVersion, Qos, Username, Password, SharedAccessKey, SasTokenTtl,
        CertificationPath, PrivateKeyPath, RootCaPath, PrivateKeyPassphrase, InsecureSkipVerify, Retained,
        CertificationRaw, PrivateKeyRaw, RootCaRaw, TlsMinVersion, RenegotiationSupport, Alpn,
        HttpProxy,
        EnableCache, CachePath, MemoryCacheThreshold, MaxDiskCache, BufferPageSize, ResendInterval, CleanCacheAtStop,
        ResendPriority, ResendAlterQueue, ResendDestination, ResendIndicatorField, CacheSync, CacheSyncIntervalMs, CacheFullPolicy,
        SendSingle, Fields, ExcludeFields, DataField, DataTemplate, Format, Delimiter, HasHeader, OmitIfEmpty, BatchSize,
        LingerInterval, Compression,
    ];

    /// <summary>Properties every eKuiper sink accepts (buffering, formatting, caching, retries). They are meaningful
    /// in an eKuiper rule but not to this sink, so they get a gentler warning than a misspelling.</summary>
    public static readonly string[] EKuiperCommon =
    [
        "bufferLength", "concurrency", "runAsync", "schemaId", "encryption", "retryInterval", "retryCount", "properties",
        "connectionSelector", "resourceId",
    ];

    public static bool IsSecret(string option) => option is Password or PrivateKeyPassphrase or HttpProxy or SharedAccessKey or PrivateKeyRaw;

    /// <summary>The canonical name matching <paramref name="name"/> ignoring case (eKuiper decodes case-insensitively), or null.</summary>
    public static string? Find(string name)
    {
        foreach (var known in All)
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase)) return known;
        return null;
    }

    /// <summary>A known option within two edits of <paramref name="name"/>, for "did you mean".</summary>
    public static string? Closest(string name) => ClosestOf(name, All);

    /// <summary>The entry of <paramref name="candidates"/> within two edits of <paramref name="name"/>, or null.</summary>
    public static string? ClosestOf(string name, string[] candidates)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (var known in candidates)
        {
            int d = Distance(name.ToLowerInvariant(), known.ToLowerInvariant());
            if (d < bestDistance) { best = known; bestDistance = d; }
        }
        return best;
    }

    // Levenshtein distance; names are short, so the quadratic table is fine.
    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}

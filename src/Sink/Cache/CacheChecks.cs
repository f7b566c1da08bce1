using System.Globalization;
using ZeroDepMqtt.Sink.Configuration;
using ZeroDepMqtt.Protocol;
using N = ZeroDepMqtt.Sink.Configuration.OptionNames;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>Validates the cache options and resolves the cache directory and, for a generated client id, the id
/// stored there by an earlier run (so that the broker-side session and the cache belong together).</summary>
internal static class CacheChecks
{
    /// <summary>The file in the cache directory that holds a generated client id.</summary>
    public const string ClientIdFile = "client-id";

    /// <summary>The default cache directory's parent, under the working directory.</summary>
    public const string DefaultRoot = "zdmqtt-cache";

    /// <summary>The default directory name when no clientId is configured (the generated id is stored inside).</summary>
    public const string DefaultName = "default";

    public static CacheSettings? Run(MqttSinkOptions o, string? configuredClientId, ConfigContext context, ProblemList p)
    {
        if (!o.EnableCache)
        {
            if (o.CachePath is not null) p.Warn(N.CachePath, "is set but enableCache is false; no cache is used");
            return null;
        }
        int errors = p.Errors.Count;
        Range(N.MemoryCacheThreshold, o.MemoryCacheThreshold, 1, 1_000_000, p);
        Range(N.MaxDiskCache, o.MaxDiskCache, 1, int.MaxValue, p);
        Range(N.ResendInterval, o.ResendInterval, 0, 3_600_000, p);
        Range(N.CacheSyncIntervalMs, o.CacheSyncIntervalMs, 1, 3_600_000, p);
        if (!p.HasError(N.BufferPageSize))
        {
            if (o.BufferPageSize < 1) p.Error(N.BufferPageSize, $"{Int(o.BufferPageSize)} is out of range; expected an integer from 1");
            else if (o.BufferPageSize != 256) p.Warn(N.BufferPageSize, "is accepted for eKuiper compatibility and ignored: this cache has no pages (every message is its own checksummed record, fsync'ed in groups)");
        }
        if (!p.HasError(N.MemoryCacheThreshold) && !p.HasError(N.MaxDiskCache) && o.MemoryCacheThreshold > o.MaxDiskCache)
            p.Error(N.MemoryCacheThreshold, $"{Int(o.MemoryCacheThreshold)} is larger than maxDiskCache ({Int(o.MaxDiskCache)}); it must not be");
        if (!p.HasError(N.ResendPriority) && o.ResendPriority is not (-1 or 0 or 1))
            p.Error(N.ResendPriority, $"{Int(o.ResendPriority)} is out of range; expected -1 (live data first), 0 (equal priority) or 1 (cached data first)");
        else if (!p.HasError(N.ResendPriority) && !p.HasError(N.ResendAlterQueue) && !o.ResendAlterQueue && o.ResendPriority == -1)
            p.Error(N.ResendPriority, "-1 (live data first) needs resendAlterQueue: true; without it the cache is one queue in strict input order (0 or 1)");
        if (!string.IsNullOrEmpty(o.ResendDestination) && !p.HasError(N.ResendDestination))
        {
            try { TopicName.Create(o.ResendDestination); }
            catch (ArgumentException e) { p.Error(N.ResendDestination, OptionsValidator.WithoutParameter(e)); }
        }
        var sync = Sync(o.CacheSync, p);
        var policy = Policy(o.CacheFullPolicy, p);
        string? directory = Directory(o.CachePath, configuredClientId, context, p);
        if (p.Errors.Count > errors || sync is null || policy is null || directory is null) return null;
        return new CacheSettings
        {
            Directory = directory,
            MemoryMessages = o.MemoryCacheThreshold,
            MaxDiskMessages = o.MaxDiskCache,
            ResendInterval = TimeSpan.FromMilliseconds(o.ResendInterval),
            CleanAtStop = o.CleanCacheAtStop,
            ResendTopic = string.IsNullOrEmpty(o.ResendDestination) ? null : o.ResendDestination,
            ResendIndicatorField = string.IsNullOrEmpty(o.ResendIndicatorField) ? null : o.ResendIndicatorField,
            Sync = sync.Value,
            SyncInterval = TimeSpan.FromMilliseconds(o.CacheSyncIntervalMs),
            FullPolicy = policy.Value,
            AlterQueue = o.ResendAlterQueue,
            ResendPriority = o.ResendAlterQueue ? o.ResendPriority : 0,
        };
    }

    /// <summary>The client id a previous run generated and stored in <paramref name="directory"/>, or null.</summary>
    public static string? StoredClientId(string directory, ProblemList p)
    {
        string path = Path.Combine(directory, ClientIdFile);
        if (!File.Exists(path)) return null;
        try
        {
            string id = File.ReadAllText(path).Trim();
            if (id.Length == ClientIdGenerator.Length && id.All(char.IsAsciiLetterOrDigit)) return id;
            p.Error(N.ClientId, $"the cache's stored client id ({path}) is damaged; set clientId, or delete that file to get a new id (the broker's session for the old one is then abandoned)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            p.Error(N.CachePath, $"cannot read the stored client id {path}: {e.Message}");
        }
        return null;
    }

    private static string? Directory(string? given, string? clientId, ConfigContext context, ProblemList p)
    {
        if (p.HasError(N.CachePath)) return null;
        if (string.IsNullOrEmpty(given))
        {
            string name = string.IsNullOrEmpty(clientId) ? DefaultName : clientId;
            if (!IsSafeName(name))
            {
                p.Error(N.CachePath, $"is needed: the clientId {JsonText.Quote(name)} cannot be a directory name (it holds characters other than letters, digits, '.', '-', '_'); set cachePath");
                return null;
            }
            return Path.Combine(context.BaseDirectory, DefaultRoot, name);
        }
        string? full = BoundedFile.FullPath(N.CachePath, given, context, p);
        if (full is null) return null;
        if (File.Exists(full)) { p.Error(N.CachePath, $"\"{given}\" is a file ({full}); expected a directory (it is created when missing)"); return null; }
        string? parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(full));
        if (!System.IO.Directory.Exists(full) && parent is not null && !System.IO.Directory.Exists(parent))
        {
            p.Error(N.CachePath, $"\"{given}\": the parent directory {parent} does not exist; create it (only the cache directory itself is created)");
            return null;
        }
        return full;
    }

    private static bool IsSafeName(string name)
        => name is not ("." or "..") && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    private static CacheSyncMode? Sync(string text, ProblemList p)
    {
        if (p.HasError(N.CacheSync)) return null;
        switch (text)
        {
            case "always": return CacheSyncMode.Always;
            case "interval": return CacheSyncMode.Interval;
            case "none": return CacheSyncMode.None;
            default:
                p.Error(N.CacheSync, $"{JsonText.Quote(text)} is not a sync mode; expected \"always\", \"interval\" or \"none\"");
                return null;
        }
    }

    private static CacheFullPolicy? Policy(string text, ProblemList p)
    {
        if (p.HasError(N.CacheFullPolicy)) return null;
        switch (text)
        {
            case "block": return CacheFullPolicy.Block;
            case "dropNewest": return CacheFullPolicy.DropNewest;
            case "fail": return CacheFullPolicy.Fail;
            case "dropOldest": return CacheFullPolicy.DropOldest;
            default:
                p.Error(N.CacheFullPolicy, $"{JsonText.Quote(text)} is not a policy; expected \"block\", \"dropOldest\", \"dropNewest\" or \"fail\"");
                return null;
        }
    }

    private static void Range(string name, int value, int min, int max, ProblemList p)
    {
        if (p.HasError(name) || (value >= min && value <= max)) return;
        p.Error(name, max == int.MaxValue
            ? $"{Int(value)} is out of range; expected an integer from {Int(min)}"
            : $"{Int(value)} is out of range; expected an integer from {Int(min)} to {Int(max)}");
    }

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
}

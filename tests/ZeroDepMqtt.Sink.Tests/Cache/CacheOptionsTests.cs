namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>The cache options: types, ranges, unsupported eKuiper variants, directories, did-you-mean.</summary>
public sealed class CacheOptionsTests(TestFiles files) : IClassFixture<TestFiles>
{
    private ConfigResult Parse(string extra)
        => MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:1883", "topic": "t", "enableCache": true, "cachePath": "{{files.PathOf("opt-cache")}}"{{extra}}}""");

    [Theory]
    [InlineData(", \"maxDiskCache\": 0", "maxDiskCache: 0 is out of range; expected an integer from 1")]
    [InlineData(", \"memoryCacheThreshold\": 0", "memoryCacheThreshold: 0 is out of range; expected an integer from 1 to 1000000")]
    [InlineData(", \"memoryCacheThreshold\": 50, \"maxDiskCache\": 10", "memoryCacheThreshold: 50 is larger than maxDiskCache (10); it must not be")]
    [InlineData(", \"resendInterval\": -1", "resendInterval: -1 is out of range; expected an integer from 0 to 3600000")]
    [InlineData(", \"resendPriority\": -1", "resendPriority: -1 (live data first) needs resendAlterQueue: true")]
    [InlineData(", \"resendPriority\": 2, \"resendAlterQueue\": true", "resendPriority: 2 is out of range; expected -1 (live data first), 0 (equal priority) or 1 (cached data first)")]
    [InlineData(", \"resendPriority\": \"-1\"", "resendPriority: \"-1\" is a string")]
    [InlineData(", \"resendAlterQueue\": \"true\"", "resendAlterQueue:")]
    [InlineData(", \"resendDestination\": \"a/#\"", "resendDestination:")]
    [InlineData(", \"cacheSync\": \"sometimes\"", "cacheSync: \"sometimes\" is not a sync mode; expected \"always\", \"interval\" or \"none\"")]
    [InlineData(", \"cacheSyncIntervalMs\": 0", "cacheSyncIntervalMs: 0 is out of range")]
    [InlineData(", \"cacheFullPolicy\": \"drop\"", "cacheFullPolicy: \"drop\" is not a policy; expected \"block\", \"dropOldest\", \"dropNewest\" or \"fail\"")]
    [InlineData(", \"maxDiskCache\": \"10\"", "maxDiskCache: \"10\" is a string; expected an integer without quotes")]
    [InlineData(", \"enableCache\": \"yes\"", "enableCache:")]
    public void Bad_cache_options_are_errors_with_exact_messages(string extra, string expected)
    {
        var result = Parse(extra);
        Assert.Null(result.Settings);
        Assert.Contains(result.Errors, e => e.ToString().Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_resolve_to_always_block_and_the_given_directory()
    {
        var result = Parse("");
        var cache = Assert.IsType<CacheSettings>(result.Settings?.Cache);
        Assert.Equal(CacheSyncMode.Always, cache.Sync);
        Assert.Equal(CacheFullPolicy.Block, cache.FullPolicy);
        Assert.Equal(1024, cache.MemoryMessages);
        Assert.Equal(1_024_000, cache.MaxDiskMessages);
        Assert.Equal(files.PathOf("opt-cache"), cache.Directory);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void The_alternate_queue_takes_every_priority(int priority)
    {
        var cache = Assert.IsType<CacheSettings>(Parse($", \"resendAlterQueue\": true, \"resendPriority\": {priority}, \"qos\": 1").Settings?.Cache);
        Assert.True(cache.AlterQueue);
        Assert.Equal(priority, cache.ResendPriority);
    }

    [Fact]
    public void Without_the_alternate_queue_priority_1_is_strict_order()
    {
        var cache = Assert.IsType<CacheSettings>(Parse(", \"resendPriority\": 1").Settings?.Cache);
        Assert.False(cache.AlterQueue);
        Assert.Equal(0, cache.ResendPriority);
    }

    [Fact]
    public void A_misspelt_resend_option_gets_did_you_mean()
    {
        var result = Parse(", \"resendAlterQueu\": true");
        Assert.Contains(result.Warnings, w => w.ToString().Contains("did you mean \"resendAlterQueue\"?", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_where_the_directory_should_be_and_a_missing_parent_are_errors()
    {
        files.Write("not-a-dir", "x");
        var onFile = MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:1883", "topic": "t", "enableCache": true, "cachePath": "{{files.PathOf("not-a-dir")}}"}""");
        Assert.Contains(onFile.Errors, e => e.ToString().Contains("is a file", StringComparison.Ordinal));
        var noParent = MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:1883", "topic": "t", "enableCache": true, "cachePath": "{{files.PathOf("missing/cache")}}"}""");
        Assert.Contains(noParent.Errors, e => e.ToString().Contains("does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void A_misspelt_cache_option_gets_did_you_mean()
    {
        var result = Parse(", \"cacheSink\": \"none\"");
        Assert.Contains(result.Warnings, w => w.ToString().Contains("did you mean \"cacheSync\"?", StringComparison.Ordinal));
    }

    [Fact]
    public void A_generated_client_id_is_read_back_from_the_cache_directory()
    {
        string dir = files.PathOf("id-cache");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "client-id"), "zdmqttABCDEFGHIJKLMNOPQ\n");
        var result = MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:1883", "topic": "t", "enableCache": true, "cachePath": "{{dir}}"}""");
        Assert.Equal("zdmqttABCDEFGHIJKLMNOPQ", result.Settings?.ClientId);
    }
}

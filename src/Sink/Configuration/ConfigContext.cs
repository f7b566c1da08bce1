namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>What validation needs from the outside world, so tests can pin it: the directory relative paths start
/// at, the clock (SAS expiry), and how files are opened (a test can make one unreadable even as root).</summary>
internal sealed class ConfigContext
{
    public required string BaseDirectory { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public Func<string, Stream> OpenRead { get; init; } = DefaultOpen;

    /// <summary>The keep-alive the sink will use, checked against cloud bounds: the runtime default unless a caller knows better.</summary>
    public int KeepAliveSeconds { get; init; } = new MqttSinkRuntimeOptions().KeepAliveSeconds;

    public static ConfigContext Current() => new() { BaseDirectory = Environment.CurrentDirectory };

    private static Stream DefaultOpen(string path) => RegularFile.OpenRead(path);
}

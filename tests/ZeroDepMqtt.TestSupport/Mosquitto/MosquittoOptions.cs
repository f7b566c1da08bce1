namespace ZeroDepMqtt.TestSupport;

/// <summary>Which TLS the test broker's listener speaks.</summary>
public enum MosquittoTls
{
    /// <summary>Plain TCP.</summary>
    None,

    /// <summary>TLS with <see cref="TestCertificates.ServerCertPath"/>; no client certificate asked for.</summary>
    ServerOnly,

    /// <summary>TLS that requires a client certificate issued by <see cref="TestCertificates.CaPath"/>.</summary>
    RequireClientCertificate,
}

/// <summary>How to configure a test broker. One listener on 127.0.0.1 and a free port.</summary>
public sealed record MosquittoOptions
{
    /// <summary>The broker binary. Default: <see cref="MosquittoBroker.DefaultExecutable"/>; bench/Throughput takes
    /// another with <c>--mosquitto</c>.</summary>
    public string Executable { get; init; } = MosquittoBroker.DefaultExecutable;

    /// <summary>Plain or TLS. Default: plain.</summary>
    public MosquittoTls Tls { get; init; }

    /// <summary>User names and passwords for a <c>password_file</c>; when set, anonymous clients are refused.
    /// Default: null (anonymous allowed).</summary>
    public IReadOnlyDictionary<string, string>? Users { get; init; }

    /// <summary>Persist sessions and messages in the broker's folder, so that a restart keeps them. Default: false.</summary>
    public bool Persistence { get; init; }

    /// <summary><c>autosave_interval</c> in seconds when <see cref="Persistence"/> is on. Default: null (Mosquitto's 1800;
    /// a clean stop saves anyway).</summary>
    public int? AutosaveIntervalSeconds { get; init; }

    /// <summary><c>max_queued_messages</c>. Default: 0, which Mosquitto reads as "no limit", so that slow subscribers
    /// lose nothing in zero-loss tests (Mosquitto's own default is 1000).</summary>
    public int MaxQueuedMessages { get; init; }

    /// <summary><c>max_inflight_messages</c>, or null to leave Mosquitto's default (20). bench/Throughput sets 0 ("no
    /// limit"), so that the broker's QoS 2 window does not shape its figures. Default: null.</summary>
    public int? MaxInflightMessages { get; init; }

    /// <summary><c>set_tcp_nodelay true</c>. Default: true: without it the broker's Nagle algorithm holds acks back for
    /// the client's delayed ACK (about 40 ms). The bench's throughput table runs without it, as its figures always have.</summary>
    public bool TcpNoDelay { get; init; } = true;

    /// <summary><c>log_type</c> values. Default: <c>all</c>; throughput tests want less, since every packet is logged.</summary>
    public IReadOnlyList<string> LogTypes { get; init; } = ["all"];

    /// <summary>More config lines, appended as given.</summary>
    public IReadOnlyList<string> ExtraConfig { get; init; } = [];

    /// <summary>A plain broker that allows anonymous clients.</summary>
    public static MosquittoOptions Plain => new();
}

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// One run of one row. <see cref="CpuMicrosPerMessage"/> is the publishing process's user + sys time: for the .NET
/// workers over the timed phase only, for external tools over their whole life (<see cref="CpuIncludesStartup"/>).
/// </summary>
internal sealed record RunResult(long Messages, double Rate, double? CpuMicrosPerMessage, bool CpuIncludesStartup,
    double? AllocatedBytesPerMessage, double? MessagesPerFlush, string? Problem)
{
    public static RunResult Failed(string problem) => new(0, 0, null, false, null, null, problem);

    /// <summary>Against the null broker: the broker's CPU per message (this process's, the run's only other work).</summary>
    public double? BrokerCpuMicrosPerMessage { get; init; }
}

namespace ZeroDepMqtt.Sink;

/// <summary>A sink configuration has errors; <see cref="Problems"/> lists every one of them.</summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception from the errors found (at least one).</summary>
    public ConfigurationException(IReadOnlyList<ConfigProblem> problems)
        : base(Format(problems))
    {
        Problems = problems;
    }

    /// <summary>Every error, in the order found.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; }

    private static string Format(IReadOnlyList<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 1) return $"The MQTT sink configuration is invalid: {problems[0]}";
        return $"The MQTT sink configuration has {problems.Count} errors:{Environment.NewLine}  "
            + string.Join(Environment.NewLine + "  ", problems);
    }
}

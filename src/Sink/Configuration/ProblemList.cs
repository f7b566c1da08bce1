namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>Collects every error and warning; validation never stops at the first one.</summary>
internal sealed class ProblemList
{
    private readonly HashSet<string> _badOptions = new(StringComparer.Ordinal);

    public List<ConfigProblem> Errors { get; } = [];
    public List<ConfigProblem> Warnings { get; } = [];

    public void Error(string? option, string message)
    {
        Errors.Add(new ConfigProblem(option, message));
        if (option is not null) _badOptions.Add(option);
    }

    public void Warn(string? option, string message) => Warnings.Add(new ConfigProblem(option, message));

    /// <summary>True when an error was already reported for the option, so later checks do not pile on.</summary>
    public bool HasError(string option) => _badOptions.Contains(option);
}

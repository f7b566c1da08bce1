namespace ZeroDepMqtt.Sink;

/// <summary>
/// The outcome of loading or resolving a configuration: the options as read, the resolved settings when there
/// is no error, and every error and warning found.
/// </summary>
public sealed class ConfigResult
{
    internal ConfigResult(MqttSinkOptions? options, SinkSettings? settings, IReadOnlyList<ConfigProblem> errors, IReadOnlyList<ConfigProblem> warnings)
    {
        Options = options;
        Settings = errors.Count == 0 ? settings : null;
        Errors = errors;
        Warnings = warnings;
    }

    /// <summary>The options as read; <c>null</c> when the document could not be read as a JSON object.
    /// Options whose value had the wrong type keep their default.</summary>
    public MqttSinkOptions? Options { get; }

    /// <summary>The resolved settings; <c>null</c> when there is any error.</summary>
    public SinkSettings? Settings { get; }

    /// <summary>Every error, in document order where there is one. Empty when the configuration is usable.</summary>
    public IReadOnlyList<ConfigProblem> Errors { get; }

    /// <summary>Things that work but are probably not what was meant (unknown options, QoS 2 on a cloud broker that
    /// lacks it, an expired SAS token).</summary>
    public IReadOnlyList<ConfigProblem> Warnings { get; }

    /// <summary>True when there is no error and <see cref="Settings"/> is set.</summary>
    public bool IsValid => Errors.Count == 0 && Settings is not null;

    /// <summary>Returns <see cref="Settings"/>.</summary>
    /// <exception cref="ConfigurationException">The configuration has errors; the exception lists all of them.</exception>
    public SinkSettings GetSettingsOrThrow()
        => Settings ?? throw new ConfigurationException(Errors.Count > 0 ? Errors : [new ConfigProblem(null, "the configuration was not resolved")]);
}

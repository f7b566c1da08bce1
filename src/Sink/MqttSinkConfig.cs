using System.Text;
using ZeroDepMqtt.Sink.Configuration;

namespace ZeroDepMqtt.Sink;

/// <summary>
/// Loads and validates the sink configuration: a JSON object with the eKuiper MQTT action options, bare or
/// wrapped as <c>{"mqtt": {...}}</c>. Every problem is collected, not just the first; unknown option names are
/// warnings (eKuiper ignores them). Relative file paths start at the process working directory.
/// Reading uses <see cref="System.Text.Json.JsonDocument"/> only, so it is trim- and Native-AOT-safe.
/// </summary>
public static class MqttSinkConfig
{
    /// <summary>Reads and validates the configuration file at <paramref name="path"/> (at most 1 MiB of UTF-8 JSON).
    /// File problems (missing, a directory, unreadable, empty, too large, not UTF-8, malformed JSON) are errors in the result.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    public static ConfigResult Load(string path) => Load(path, ConfigContext.Current());

    /// <summary>Validates the configuration held in <paramref name="json"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    public static ConfigResult Parse(string json) => Parse(json, ConfigContext.Current());

    /// <summary>Validates options built in code (not read from JSON) and resolves them.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public static ConfigResult Resolve(MqttSinkOptions options) => Resolve(options, ConfigContext.Current());

    internal static ConfigResult Load(string path, ConfigContext context)
    {
        ArgumentNullException.ThrowIfNull(path);
        var problems = new ProblemList();
        if (path.Length == 0)
        {
            problems.Error(null, "no config file given (the path is empty)");
            return Finish(null, problems, context);
        }
        string? full = BoundedFile.FullPath(null, path, context, problems);
        byte[]? bytes = full is null ? null : BoundedFile.Read(null, path, full, "a JSON file", context, problems);
        var options = bytes is null ? null : JsonOptionsReader.Read(bytes, $"config file \"{path}\"", problems);
        return Finish(options, problems, context);
    }

    internal static ConfigResult Parse(string json, ConfigContext context)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = new ProblemList();
        var options = JsonOptionsReader.Read(Encoding.UTF8.GetBytes(json), "the configuration", problems);
        return Finish(options, problems, context);
    }

    internal static ConfigResult Resolve(MqttSinkOptions options, ConfigContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Finish(options, new ProblemList(), context);
    }

    private static ConfigResult Finish(MqttSinkOptions? options, ProblemList problems, ConfigContext context)
    {
        var settings = options is null ? null : OptionsValidator.Resolve(options, context, problems);
        return new ConfigResult(options, settings, problems.Errors, problems.Warnings);
    }
}

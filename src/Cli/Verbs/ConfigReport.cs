using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>Loads a config file for any verb and prints its problems the same way everywhere:
/// errors (all of them) to stderr, warnings to the writer the verb chooses.</summary>
public static class ConfigReport
{
    /// <summary>The resolved settings, or null after printing every error.</summary>
    public static SinkSettings? Load(string path, CliConsole console, TextWriter warnings)
    {
        var result = MqttSinkConfig.Load(path);
        foreach (var warning in result.Warnings) warnings.WriteLine($"warning: {warning}");
        foreach (var error in result.Errors) console.Error.WriteLine($"error: {error}");
        if (result.IsValid) return result.Settings;
        int n = result.Errors.Count;
        console.Error.WriteLine($"zdmqtt: {path}: {n} configuration error{(n == 1 ? "" : "s")}");
        return null;
    }
}

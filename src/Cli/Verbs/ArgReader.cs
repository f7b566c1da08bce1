namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>A tiny option parser shared by verbs: <c>--name value</c>, <c>--name=value</c>, short aliases, flags.</summary>
public sealed class ArgReader
{
    private readonly IReadOnlyList<string> _args;
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="args"/>; <paramref name="valueOptions"/> and <paramref name="flagOptions"/> map
    /// every accepted spelling (e.g. <c>-c</c>, <c>--config</c>) to the canonical long name.</summary>
    /// <exception cref="UsageException">An unknown option, a missing value, a repeated option or a stray argument.</exception>
    public ArgReader(string verb, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> valueOptions, IReadOnlyDictionary<string, string>? flagOptions = null)
    {
        _args = args;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg, value = "";
            bool inline = false;
            int eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0) { name = arg[..eq]; value = arg[(eq + 1)..]; inline = true; }
            if (valueOptions.TryGetValue(name, out var canonical))
            {
                if (!inline)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"{verb}: {name} needs a value");
                    value = args[++i];
                }
                if (!_values.TryAdd(canonical, value)) throw new UsageException($"{verb}: {canonical} is given more than once");
            }
            else if (!inline && flagOptions is not null && flagOptions.TryGetValue(name, out canonical))
            {
                _flags.Add(canonical);
            }
            else if (arg.StartsWith('-'))
            {
                throw new UsageException($"{verb}: unknown option {name}");
            }
            else
            {
                throw new UsageException($"{verb}: unexpected argument \"{arg}\"");
            }
        }
    }

    /// <summary>The value of an option, or null when absent.</summary>
    public string? Value(string canonical) => _values.GetValueOrDefault(canonical);

    /// <summary>The value of a required option.</summary>
    /// <exception cref="UsageException">The option is absent.</exception>
    public string Required(string verb, string canonical)
        => Value(canonical) ?? throw new UsageException($"{verb}: {canonical} is required");

    /// <summary>Whether a flag was given.</summary>
    public bool Flag(string canonical) => _flags.Contains(canonical);

    /// <summary>The raw arguments.</summary>
    public IReadOnlyList<string> Args => _args;
}

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>Every verb, in help order. Add new verbs here.</summary>
public static class VerbList
{
    /// <summary>The verbs.</summary>
    public static IReadOnlyList<IVerb> All { get; } = [new PublishVerb(), new ValidateVerb()];

    /// <summary>The verb named <paramref name="name"/>, or null.</summary>
    public static IVerb? Find(string name)
    {
        foreach (var verb in All)
            if (verb.Name == name) return verb;
        return null;
    }
}

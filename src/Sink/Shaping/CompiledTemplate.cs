using System.Buffers;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>A template parsed once (<see cref="TemplateCompiler"/>); <see cref="Render"/> runs it against a message.</summary>
internal sealed class CompiledTemplate
{
    internal CompiledTemplate(string source, List<TemplateNode> nodes, int slots)
    {
        Source = source;
        Nodes = nodes;
        Slots = slots;
        if (nodes.Count == 0) StaticText = [];
        else if (nodes is [TextNode only]) StaticText = only.Utf8;
        _plain = PlainPartsOf(nodes);
    }

    // Text and {{.a.b}} only (a topic pattern's usual form): such a template renders without the general runner.
    private readonly (byte[]? Text, byte[][]? Path)[]? _plain;

    /// <summary>The template's parts when it is text and plain field paths only (each part text or a path); else null.</summary>
    internal (byte[]? Text, byte[][]? Path)[]? PlainParts => _plain;

    private static (byte[]? Text, byte[][]? Path)[]? PlainPartsOf(List<TemplateNode> nodes)
    {
        var parts = new (byte[]?, byte[][]?)[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            switch (nodes[i])
            {
                case TextNode t: parts[i] = (t.Utf8, null); break;
                case OutputNode { Pipeline.Commands: [{ Function: null, Args: [{ Kind: OperandKind.Field, Slot: -1, Path: { Length: > 0 } path }] }] }:
                    parts[i] = (null, path);
                    break;
                default: return null;
            }
        }
        return parts;
    }

    /// <summary>
    /// Renders a template made of text and plain field paths when every field it names is an unescaped string or a
    /// number (what the general runner prints as the raw text); false, with <paramref name="output"/> partly written,
    /// in every other case, which the caller then renders with <see cref="Render"/> for Go's output or its error.
    /// </summary>
    internal bool TryRenderPlain(JsonIndex index, int root, IBufferWriter<byte> output)
    {
        if (_plain is null) return false;
        foreach (var (text, path) in _plain)
        {
            if (text is not null) { output.Write(text); continue; }
            int node = root;
            foreach (var name in path!)
                if ((node = index.Property(node, name)) < 0) return false;   // Property is -1 for a non-object too
            ref readonly var n = ref index[node];
            if (n.Kind == JsonKind.Number) output.Write(index.Raw(node));
            else if (n.Kind == JsonKind.String && !n.Escaped) output.Write(index.Raw(node)[1..^1]);
            else return false;
        }
        return true;
    }

    /// <summary>The template as configured.</summary>
    public string Source { get; }

    internal List<TemplateNode> Nodes { get; }

    internal int Slots { get; }

    /// <summary>The output when the template has no actions (a fixed topic); else null.</summary>
    public byte[]? StaticText { get; }

    /// <summary>Parses <paramref name="template"/>; a <see cref="FormatException"/> names what is not supported.</summary>
    public static CompiledTemplate Parse(string template) => TemplateCompiler.Compile(template);

    /// <summary>Runs the template with dot = <paramref name="root"/> of <paramref name="index"/>.</summary>
    /// <exception cref="TemplateRuntimeException">The data does not fit the template (a field of a string, an index out of range).</exception>
    public void Render(JsonIndex index, int root, IBufferWriter<byte> output, TemplateRunner runner)
        => runner.Run(this, index, root, output);
}

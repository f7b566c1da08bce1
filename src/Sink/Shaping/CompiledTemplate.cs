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

using System.Buffers;
using System.Globalization;
using System.Text;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>Walks a <see cref="CompiledTemplate"/> over an indexed message. One per thread (it holds the variable
/// slots), reused: printing a message field or a literal allocates nothing.</summary>
internal sealed partial class TemplateRunner
{
    private TemplateValue[] _slots = new TemplateValue[8];
    private JsonIndex _index = null!;
    private IBufferWriter<byte> _output = null!;

    /// <summary>True when the last run printed a field the message does not have (Go prints "&lt;no value&gt;").</summary>
    public bool PrintedMissing { get; private set; }

    public void Run(CompiledTemplate template, JsonIndex index, int root, IBufferWriter<byte> output)
    {
        PrintedMissing = false;
        if (_slots.Length < template.Slots) _slots = new TemplateValue[template.Slots];
        _index = index;
        _output = output;
        var dot = TemplateValue.OfNode(root);
        _slots[0] = dot;
        Execute(template.Nodes, dot);
    }

    private void Execute(List<TemplateNode> nodes, TemplateValue dot)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t: _output.Write(t.Utf8); break;
                case OutputNode o: Print(Evaluate(o.Pipeline, dot)); break;
                case SetNode s: _slots[s.Slot] = Evaluate(s.Pipeline, dot); break;
                case IfNode i:
                {
                    var value = Evaluate(i.Condition, dot);
                    if (IsTrue(value)) Execute(i.Then, i.With ? value : dot);
                    else if (i.Else is not null) Execute(i.Else, dot);
                    break;
                }
                case RangeNode r: Range(r, dot); break;
            }
        }
    }

    private void Range(RangeNode r, TemplateValue dot)
    {
        var over = Evaluate(r.Over, dot);
        if (over.Kind is ValueKind.Missing or ValueKind.Nil || (over.Kind == ValueKind.Node && _index[over.Node].Kind == JsonKind.Null))
        {
            if (r.Else is not null) Execute(r.Else, dot);
            return;
        }
        if (over.Kind != ValueKind.Node || _index[over.Node].Kind is not (JsonKind.Array or JsonKind.Object))
            throw new TemplateRuntimeException($"range over {Describe(over)}; expected an array or an object");
        int container = over.Node;
        bool isObject = _index[container].Kind == JsonKind.Object;
        int child = _index.FirstChild(container);
        if (child < 0 && r.Else is not null) { Execute(r.Else, dot); return; }
        for (long i = 0; child >= 0; i++, child = _index.NextChild(container, child))
        {
            var element = TemplateValue.OfNode(isObject ? child + 1 : child);
            if (r.KeySlot >= 0)
                _slots[r.KeySlot] = isObject ? TemplateValue.OfString(Encoding.UTF8.GetString(_index.Unescape(child))) : TemplateValue.OfInteger(i);
            if (r.ValueSlot >= 0) _slots[r.ValueSlot] = element;
            Execute(r.Body, element);
        }
    }

    private TemplateValue Evaluate(Pipeline pipeline, TemplateValue dot)
    {
        TemplateValue piped = default;
        bool hasPiped = false;
        foreach (var command in pipeline.Commands)
        {
            piped = command.Function is { } f ? Call(f, command.Args, dot, hasPiped ? piped : null) : Operand(command.Args[0], dot);
            hasPiped = true;
        }
        return piped;
    }

    private TemplateValue Operand(Operand o, TemplateValue dot) => o.Kind switch
    {
        OperandKind.Field => Walk(o.Slot < 0 ? dot : _slots[o.Slot], o.Path),
        OperandKind.String => TemplateValue.OfString(o.Text!),
        OperandKind.Number => o.IsInteger ? TemplateValue.OfInteger((long)o.Number) : TemplateValue.OfNumber(o.Number),
        OperandKind.Bool => TemplateValue.OfBool(o.Bool),
        OperandKind.Nil => TemplateValue.Nil,
        _ => Evaluate(o.Pipeline!, dot),
    };

    private TemplateValue Walk(TemplateValue value, byte[][] path)
    {
        foreach (var name in path)
        {
            if (value.Kind == ValueKind.Missing) return value;
            if (value.Kind != ValueKind.Node || _index[value.Node].Kind != JsonKind.Object)
                throw new TemplateRuntimeException($"cannot read field \"{Encoding.UTF8.GetString(name)}\" of {Describe(value)}");
            value = TemplateValue.OfNode(_index.Property(value.Node, name));
        }
        return value;
    }

    private void Print(TemplateValue v)
    {
        switch (v.Kind)
        {
            case ValueKind.Missing: _output.Write("<no value>"u8); PrintedMissing = true; break;
            case ValueKind.Nil: _output.Write("<nil>"u8); break;
            case ValueKind.Node: _index.WriteText(v.Node, _output); break;
            case ValueKind.CompactJson: _index.WriteCompact(v.Node, _output); break;
            case ValueKind.String: WriteUtf8(v.Text!); break;
            case ValueKind.Bool: _output.Write(v.Flag ? "true"u8 : "false"u8); break;
            case ValueKind.Integer: WriteFormattable(v.Integer); break;
            default: WriteFormattable(v.Number); break;
        }
    }

    private void WriteUtf8(string text)
    {
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private void WriteFormattable<T>(T value) where T : IUtf8SpanFormattable
    {
        var span = _output.GetSpan(32);
        value.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        _output.Advance(written);
    }

    /// <summary>Go's truth: false, 0, nil, and empty strings, arrays and objects are false.</summary>
    private bool IsTrue(TemplateValue v) => v.Kind switch
    {
        ValueKind.Missing or ValueKind.Nil => false,
        ValueKind.Bool => v.Flag,
        ValueKind.Integer => v.Integer != 0,
        ValueKind.Number => v.Number != 0,
        ValueKind.String => v.Text!.Length > 0,
        _ => _index[v.Node].Kind switch
        {
            JsonKind.Object or JsonKind.Array => _index[v.Node].Count > 0,
            JsonKind.String => _index[v.Node].End - _index[v.Node].Start > 2,
            JsonKind.Number => _index.Number(v.Node) != 0,
            JsonKind.True => true,
            _ => false,
        },
    };

    private string Describe(TemplateValue v) => v.Kind switch
    {
        ValueKind.Missing => "a missing value",
        ValueKind.Nil => "nil",
        ValueKind.Bool => "a boolean",
        ValueKind.Integer or ValueKind.Number => "a number",
        ValueKind.String => "a string",
        _ => MessageShaper.KindName(_index, v.Node),
    };
}

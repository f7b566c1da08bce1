namespace ZeroDepMqtt.Sink.Shaping;

// The compiled form of a template: a tree built once at load time and walked per message.

internal abstract class TemplateNode;

internal sealed class TextNode(byte[] utf8) : TemplateNode
{
    public byte[] Utf8 { get; } = utf8;
}

/// <summary><c>{{pipeline}}</c>: prints the value.</summary>
internal sealed class OutputNode(Pipeline pipeline) : TemplateNode
{
    public Pipeline Pipeline { get; } = pipeline;
}

/// <summary><c>{{$x := pipeline}}</c> or <c>{{$x = pipeline}}</c>: prints nothing.</summary>
internal sealed class SetNode(int slot, Pipeline pipeline) : TemplateNode
{
    public int Slot { get; } = slot;
    public Pipeline Pipeline { get; } = pipeline;
}

/// <summary><c>{{if}}</c> and <c>{{with}}</c> (which also moves dot to the value); <c>{{else if}}</c> is an IfNode in <see cref="Else"/>.</summary>
internal sealed class IfNode(Pipeline condition, bool with) : TemplateNode
{
    public Pipeline Condition { get; } = condition;
    public bool With { get; } = with;
    public List<TemplateNode> Then { get; } = [];
    public List<TemplateNode>? Else { get; set; }
}

/// <summary><c>{{range [$i, $e :=] pipeline}}</c> over an array (dot = element) or an object (its values, in input order).</summary>
internal sealed class RangeNode(Pipeline over, int keySlot, int valueSlot) : TemplateNode
{
    public Pipeline Over { get; } = over;
    public int KeySlot { get; } = keySlot;     // -1 when not declared
    public int ValueSlot { get; } = valueSlot; // -1 when not declared
    public List<TemplateNode> Body { get; } = [];
    public List<TemplateNode>? Else { get; set; }
}

/// <summary>Commands joined by <c>|</c>: each command's result is the last argument of the next.</summary>
internal sealed class Pipeline(Command[] commands)
{
    public Command[] Commands { get; } = commands;
}

/// <summary>A function call (<see cref="Function"/> set) or a single operand.</summary>
internal sealed class Command(TemplateFunction? function, Operand[] args)
{
    public TemplateFunction? Function { get; } = function;
    public Operand[] Args { get; } = args;
}

internal enum OperandKind { Field, String, Number, Bool, Nil, Pipeline }

/// <summary>An argument: <c>.a.b</c>, <c>$x.a</c>, <c>$</c>, a literal, or a parenthesised pipeline.</summary>
internal sealed class Operand
{
    public OperandKind Kind { get; init; }
    /// <summary>For a field: the variable slot the path starts at, or -1 for dot.</summary>
    public int Slot { get; init; } = -1;
    public byte[][] Path { get; init; } = [];
    public string? Text { get; init; }
    public double Number { get; init; }
    public bool IsInteger { get; init; }
    public bool Bool { get; init; }
    public Pipeline? Pipeline { get; init; }
}

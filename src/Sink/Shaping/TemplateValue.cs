namespace ZeroDepMqtt.Sink.Shaping;

internal enum ValueKind : byte { Missing, Node, CompactJson, String, Integer, Number, Bool, Nil }

/// <summary>A value during template execution: a node of the message (no copy), or something a function computed.</summary>
internal readonly struct TemplateValue
{
    private TemplateValue(ValueKind kind, int node = -1, long integer = 0, double number = 0, bool flag = false, string? text = null)
    {
        Kind = kind; Node = node; Integer = integer; Number = number; Flag = flag; Text = text;
    }

    public ValueKind Kind { get; }
    public int Node { get; }
    public long Integer { get; }
    public double Number { get; }
    public bool Flag { get; }
    public string? Text { get; }

    public static TemplateValue Missing => default;
    public static TemplateValue Nil => new(ValueKind.Nil);
    public static TemplateValue OfNode(int node) => node < 0 ? default : new(ValueKind.Node, node);
    public static TemplateValue OfJson(int node) => new(ValueKind.CompactJson, node);
    public static TemplateValue OfString(string text) => new(ValueKind.String, text: text);
    public static TemplateValue OfInteger(long value) => new(ValueKind.Integer, integer: value);
    public static TemplateValue OfNumber(double value) => new(ValueKind.Number, number: value);
    public static TemplateValue OfBool(bool value) => new(ValueKind.Bool, flag: value);
}

/// <summary>A data-dependent failure while running a template (a field of a string, an index out of range): the
/// message fails alone with this reason.</summary>
internal sealed class TemplateRuntimeException(string message) : Exception(message);

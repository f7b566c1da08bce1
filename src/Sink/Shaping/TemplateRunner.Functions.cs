using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ZeroDepMqtt.Sink.Shaping;

internal sealed partial class TemplateRunner
{
    private TemplateValue[] _args = new TemplateValue[16];
    private int _argTop;

    private TemplateValue Call(TemplateFunction f, Operand[] operands, TemplateValue dot, TemplateValue? piped)
    {
        int bottom = _argTop;
        try
        {
            foreach (var o in operands) Push(Operand(o, dot));
            if (piped is { } p) Push(p);
            return Apply(f, _args.AsSpan(bottom, _argTop - bottom));
        }
        finally
        {
            _argTop = bottom;
        }
    }

    private void Push(TemplateValue v)
    {
        if (_argTop == _args.Length) Array.Resize(ref _args, _args.Length * 2);
        _args[_argTop++] = v;
    }

    private TemplateValue Apply(TemplateFunction f, ReadOnlySpan<TemplateValue> a)
    {
        switch (f)
        {
            case TemplateFunction.Json or TemplateFunction.ToJson: return Json(a[0]);
            case TemplateFunction.Base64 or TemplateFunction.B64Enc:
                return TemplateValue.OfString(Convert.ToBase64String(Encoding.UTF8.GetBytes(AsString(a[0]))));
            case TemplateFunction.Index: return Index(a);
            case TemplateFunction.Len: return TemplateValue.OfInteger(Length(a[0]));
            case TemplateFunction.Add or TemplateFunction.Mul:
            {
                long r = f == TemplateFunction.Add ? 0 : 1;
                foreach (var v in a) r = f == TemplateFunction.Add ? r + ToInt64(v) : r * ToInt64(v);
                return TemplateValue.OfInteger(r);
            }
            case TemplateFunction.Sub: return TemplateValue.OfInteger(ToInt64(a[0]) - ToInt64(a[1]));
            case TemplateFunction.Div or TemplateFunction.Mod:
            {
                long d = ToInt64(a[1]);
                if (d == 0) throw new TemplateRuntimeException($"{TemplateFunctions.NameOf(f)} by zero");
                return TemplateValue.OfInteger(f == TemplateFunction.Div ? ToInt64(a[0]) / d : ToInt64(a[0]) % d);
            }
            case TemplateFunction.Eq:
                for (int i = 1; i < a.Length; i++)
                    if (Equal(a[0], a[i])) return TemplateValue.OfBool(true);
                return TemplateValue.OfBool(false);
            case TemplateFunction.Ne: return TemplateValue.OfBool(!Equal(a[0], a[1]));
            case TemplateFunction.Lt: return TemplateValue.OfBool(Order(a[0], a[1], "lt") < 0);
            case TemplateFunction.Le: return TemplateValue.OfBool(Order(a[0], a[1], "le") <= 0);
            case TemplateFunction.Gt: return TemplateValue.OfBool(Order(a[0], a[1], "gt") > 0);
            case TemplateFunction.Ge: return TemplateValue.OfBool(Order(a[0], a[1], "ge") >= 0);
            case TemplateFunction.And:
                foreach (var v in a) if (!IsTrue(v)) return v;
                return a[^1];
            case TemplateFunction.Or:
                foreach (var v in a) if (IsTrue(v)) return v;
                return a[^1];
            case TemplateFunction.Not: return TemplateValue.OfBool(!IsTrue(a[0]));
            case TemplateFunction.Upper: return TemplateValue.OfString(AsString(a[0]).ToUpperInvariant());
            case TemplateFunction.Lower: return TemplateValue.OfString(AsString(a[0]).ToLowerInvariant());
            default: return TemplateValue.OfString(AsString(a[0]).Trim());
        }
    }

    private static TemplateValue Json(TemplateValue v) => v.Kind switch
    {
        ValueKind.Node or ValueKind.CompactJson => TemplateValue.OfJson(v.Node),
        ValueKind.String => TemplateValue.OfString("\"" + JsonEncodedText.Encode(v.Text!, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\""),
        ValueKind.Integer => TemplateValue.OfString(v.Integer.ToString(CultureInfo.InvariantCulture)),
        ValueKind.Number => TemplateValue.OfString(v.Number.ToString("R", CultureInfo.InvariantCulture)),
        ValueKind.Bool => TemplateValue.OfString(v.Flag ? "true" : "false"),
        _ => TemplateValue.OfString("null"),
    };

    private TemplateValue Index(ReadOnlySpan<TemplateValue> a)
    {
        var v = a[0];
        for (int i = 1; i < a.Length; i++)
        {
            var key = a[i];
            if (v.Kind == ValueKind.Missing) return v;
            if (v.Kind != ValueKind.Node) throw new TemplateRuntimeException($"index of {Describe(v)}");
            switch (_index[v.Node].Kind)
            {
                case JsonKind.Array:
                {
                    if (key.Kind != ValueKind.Integer) throw new TemplateRuntimeException($"an array index must be an integer, not {Describe(key)}");
                    int count = _index[v.Node].Count;
                    if (key.Integer < 0 || key.Integer >= count) throw new TemplateRuntimeException($"index {key.Integer} out of range (the array has {count} element(s))");
                    v = TemplateValue.OfNode(_index.Element(v.Node, (int)key.Integer));
                    break;
                }
                case JsonKind.Object:
                {
                    byte[]? rented = null;
                    var name = Utf8Of(key, ref rented, "index");
                    v = TemplateValue.OfNode(_index.Property(v.Node, name));
                    if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
                    break;
                }
                default: throw new TemplateRuntimeException($"index of {Describe(v)}");
            }
        }
        return v;
    }

    private long Length(TemplateValue v)
    {
        if (v.Kind == ValueKind.String) return Encoding.UTF8.GetByteCount(v.Text!);
        if (v.Kind == ValueKind.Node)
        {
            switch (_index[v.Node].Kind)
            {
                case JsonKind.Array or JsonKind.Object: return _index[v.Node].Count;
                case JsonKind.String: return _index.Unescape(v.Node).Length;
            }
        }
        throw new TemplateRuntimeException($"len of {Describe(v)}");
    }

    /// <summary>As sprig's math functions read numbers: to a 64-bit integer, fractions cut off, unreadable as 0.</summary>
    private long ToInt64(TemplateValue v)
    {
        switch (v.Kind)
        {
            case ValueKind.Integer: return v.Integer;
            case ValueKind.Number: return (long)v.Number;
            case ValueKind.Bool: return v.Flag ? 1 : 0;
            case ValueKind.String: return long.TryParse(v.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) ? s : 0;
            case ValueKind.Node:
                return _index[v.Node].Kind switch
                {
                    JsonKind.Number => (long)_index.Number(v.Node),
                    JsonKind.True => 1,
                    JsonKind.String => long.TryParse(_index.Unescape(v.Node), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 0,
                    _ => 0,
                };
            default: return 0;
        }
    }

    private enum Sort { Nil, Bool, Number, Text, Other }

    private Sort SortOf(TemplateValue v) => v.Kind switch
    {
        ValueKind.Missing or ValueKind.Nil => Sort.Nil,
        ValueKind.Bool => Sort.Bool,
        ValueKind.Integer or ValueKind.Number => Sort.Number,
        ValueKind.String => Sort.Text,
        ValueKind.CompactJson => Sort.Other,
        _ => _index[v.Node].Kind switch
        {
            JsonKind.Null => Sort.Nil,
            JsonKind.True or JsonKind.False => Sort.Bool,
            JsonKind.Number => Sort.Number,
            JsonKind.String => Sort.Text,
            _ => Sort.Other,
        },
    };

    private double ToDouble(TemplateValue v) => v.Kind switch
    {
        ValueKind.Integer => v.Integer,
        ValueKind.Number => v.Number,
        _ => _index.Number(v.Node),
    };

    private bool ToBool(TemplateValue v) => v.Kind == ValueKind.Bool ? v.Flag : _index[v.Node].Kind == JsonKind.True;

    // Numbers compare by value whatever their type (Go would refuse 27 against 30.0); see docs/configuration.md.
    private bool Equal(TemplateValue a, TemplateValue b)
    {
        Sort sa = SortOf(a), sb = SortOf(b);
        if (sa == Sort.Other || sb == Sort.Other) throw new TemplateRuntimeException($"eq cannot compare {Describe(sa == Sort.Other ? a : b)}");
        if (sa != sb) return false;
        return sa switch
        {
            Sort.Nil => true,
            Sort.Bool => ToBool(a) == ToBool(b),
            Sort.Number => a.Kind == ValueKind.Integer && b.Kind == ValueKind.Integer ? a.Integer == b.Integer : ToDouble(a) == ToDouble(b),
            _ => CompareText(a, b) == 0,
        };
    }

    private int Order(TemplateValue a, TemplateValue b, string name)
    {
        Sort sa = SortOf(a), sb = SortOf(b);
        if (sa == sb && sa == Sort.Number)
            return a.Kind == ValueKind.Integer && b.Kind == ValueKind.Integer ? a.Integer.CompareTo(b.Integer) : ToDouble(a).CompareTo(ToDouble(b));
        if (sa == sb && sa == Sort.Text) return CompareText(a, b);
        throw new TemplateRuntimeException($"{name} cannot order {Describe(a)} and {Describe(b)}");
    }

    private int CompareText(TemplateValue a, TemplateValue b)
    {
        byte[]? ra = null, rb = null;
        try
        {
            var x = Utf8Of(a, ref ra, "compare");
            // The index unescapes into one scratch buffer: keep the first string in a rented copy before reading the second.
            if (ra is null && a.Kind == ValueKind.Node && _index[a.Node].Escaped)
            {
                ra = ArrayPool<byte>.Shared.Rent(x.Length);
                x.CopyTo(ra);
                x = ra.AsSpan(0, x.Length);
            }
            var y = Utf8Of(b, ref rb, "compare");
            return x.SequenceCompareTo(y);
        }
        finally
        {
            if (ra is not null) ArrayPool<byte>.Shared.Return(ra);
            if (rb is not null) ArrayPool<byte>.Shared.Return(rb);
        }
    }

    private ReadOnlySpan<byte> Utf8Of(TemplateValue v, ref byte[]? rented, string name)
    {
        if (v.Kind == ValueKind.Node && _index[v.Node].Kind == JsonKind.String) return _index.Unescape(v.Node);
        if (v.Kind != ValueKind.String) throw new TemplateRuntimeException($"{name} needs a string, not {Describe(v)}");
        rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(v.Text!.Length));
        int n = Encoding.UTF8.GetBytes(v.Text, rented);
        return rented.AsSpan(0, n);
    }

    private string AsString(TemplateValue v)
    {
        if (v.Kind == ValueKind.String) return v.Text!;
        if (v.Kind == ValueKind.Node && _index[v.Node].Kind == JsonKind.String) return Encoding.UTF8.GetString(_index.Unescape(v.Node));
        var buffer = new ArrayBufferWriter<byte>();
        var saved = _output;
        _output = buffer;
        try { Print(v); }
        finally { _output = saved; }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

using System.Buffers;
using System.Text.Json;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>The kinds of value a <see cref="JsonIndex"/> node holds.</summary>
internal enum JsonKind : byte { Object, Array, String, Number, True, False, Null, PropertyName }

/// <summary>
/// One pass of <see cref="Utf8JsonReader"/> over a message records where each value starts and ends, in an array of
/// structs that is reused from message to message: no object per message, no copy of the bytes. Lookups
/// (<c>.a.b</c>, <c>index . 0 "f"</c>, <c>fields</c>) then walk that table instead of re-reading the text.
/// </summary>
/// <remarks>In an object, a property is two nodes: its name, then its value. <see cref="Node.Next"/> of a value is the
/// node after its whole subtree, so siblings are found without visiting children.</remarks>
internal sealed class JsonIndex
{
    /// <summary>Deeper messages are refused (as System.Text.Json does by default).</summary>
    public const int MaxDepth = 64;

    internal struct Node
    {
        public JsonKind Kind;
        public bool Escaped;
        public int Start;  // first byte (the quote of a string)
        public int End;    // one past the last byte
        public int Next;   // the node after this value and its children
        public int Count;  // children of an object (properties) or array (elements)
    }

    private Node[] _nodes = new Node[64];
    private readonly int[] _open = new int[MaxDepth + 1];
    private byte[] _scratch = new byte[256];

    /// <summary>The indexed bytes.</summary>
    public ReadOnlyMemory<byte> Json { get; private set; }

    // The same bytes as an array segment: ReadOnlyMemory.Span does type checks on every call, and lookups call it often.
    private byte[] _array = [];
    private int _offset, _count;
    private byte[]? _copy;

    private ReadOnlySpan<byte> Bytes => new(_array, _offset, _count);

    /// <summary>Nodes recorded.</summary>
    public int Length { get; private set; }

    public ref readonly Node this[int index] => ref _nodes[index];

    /// <summary>Indexes <paramref name="json"/>; false with <paramref name="error"/> (naming the byte position) when it is not one JSON value.</summary>
    public bool TryParse(ReadOnlyMemory<byte> json, out string? error) => TryParse(json, plainScan: true, out error);

    /// <summary>As <see cref="TryParse(ReadOnlyMemory{byte}, out string?)"/>; <paramref name="plainScan"/> false skips
    /// the fast path (tests compare the two).</summary>
    internal bool TryParse(ReadOnlyMemory<byte> json, bool plainScan, out string? error)
    {
        Json = json;
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(json, out var segment))
            (_array, _offset, _count) = (segment.Array!, segment.Offset, segment.Count);
        else
        {
            if (_copy is null || _copy.Length < json.Length) _copy = new byte[Math.Max(json.Length, 256)];
            json.Span.CopyTo(_copy);
            (_array, _offset, _count) = (_copy, 0, json.Length);
        }
        error = null;
        Length = 0;
        if (plainScan && TryIndexPlain(Bytes)) return true;
        Length = 0;
        var reader = new Utf8JsonReader(Bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
        int depth = 0;
        try
        {
            while (reader.Read())
            {
                int start = checked((int)reader.TokenStartIndex);
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (!IsPropertyValue(depth)) CountChild(depth);
                        _open[depth++] = Add(reader.TokenType == JsonTokenType.StartObject ? JsonKind.Object : JsonKind.Array, start, start + 1, false);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        ref var open = ref _nodes[_open[--depth]];
                        open.End = start + 1;
                        open.Next = Length;
                        break;
                    case JsonTokenType.PropertyName:
                        CountChild(depth);
                        Add(JsonKind.PropertyName, start, start + reader.ValueSpan.Length + 2, reader.ValueIsEscaped);
                        break;
                    case JsonTokenType.String:
                        if (!IsPropertyValue(depth)) CountChild(depth);
                        Add(JsonKind.String, start, start + reader.ValueSpan.Length + 2, reader.ValueIsEscaped);
                        break;
                    default:
                        if (!IsPropertyValue(depth)) CountChild(depth);
                        var kind = reader.TokenType switch
                        {
                            JsonTokenType.Number => JsonKind.Number,
                            JsonTokenType.True => JsonKind.True,
                            JsonTokenType.False => JsonKind.False,
                            _ => JsonKind.Null,
                        };
                        Add(kind, start, start + reader.ValueSpan.Length, false);
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            error = $"not valid JSON at byte {e.BytePositionInLine ?? reader.BytesConsumed}: {Reason(e.Message)}";
            return false;
        }
        if (Length == 0) { error = "empty; expected a JSON value"; return false; }
        return true;
    }

    private static readonly SearchValues<byte> StringStop = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"u8);

    /// <summary>
    /// The fast path of <see cref="TryParse(ReadOnlyMemory{byte}, out string?)"/>: a hand-written scan that records exactly the nodes the
    /// <see cref="Utf8JsonReader"/> loop records, for JSON whose strings hold no escapes and no control characters.
    /// It accepts only text that is certainly one valid JSON value (RFC 8259 grammar, depth at most
    /// <see cref="MaxDepth"/>, strings well-formed UTF-8); on anything else it returns false, and the caller indexes
    /// the message again with the reader, which then gives the verdict and its error message. Why: the reader's
    /// general token loop costs about as much as the rest of a shaped publish for a small message.
    /// </summary>
    private bool TryIndexPlain(ReadOnlySpan<byte> b)
    {
        int i = 0, depth = 0, end;
    Value:
        i = SkipWhitespace(b, i);
        if (i >= b.Length) return false;
        byte c = b[i];
        switch (c)
        {
            case (byte)'{' or (byte)'[':
                if (depth == MaxDepth - 1) return false;   // the deepest levels are left to the reader's own limit
                if (!IsPropertyValue(depth)) CountChild(depth);
                _open[depth++] = Add(c == '{' ? JsonKind.Object : JsonKind.Array, i, i + 1, false);
                i = SkipWhitespace(b, i + 1);
                if (i >= b.Length) return false;
                if (b[i] == c + 2) { Close(ref depth, i++); goto AfterValue; }   // '{' + 2 is '}', '[' + 2 is ']'
                if (c == '{') goto Name;
                goto Value;
            case (byte)'"':
                if ((end = ScanString(b, i)) < 0) return false;
                if (!IsPropertyValue(depth)) CountChild(depth);
                Add(JsonKind.String, i, end, false);
                break;
            case (byte)'t' or (byte)'f' or (byte)'n':
                var literal = c == 't' ? "true"u8 : c == 'f' ? "false"u8 : "null"u8;
                if (!b[i..].StartsWith(literal)) return false;
                end = i + literal.Length;
                if (!IsPropertyValue(depth)) CountChild(depth);
                Add(c == 't' ? JsonKind.True : c == 'f' ? JsonKind.False : JsonKind.Null, i, end, false);
                break;
            default:
                if ((end = ScanNumber(b, i)) < 0) return false;
                if (!IsPropertyValue(depth)) CountChild(depth);
                Add(JsonKind.Number, i, end, false);
                break;
        }
        i = end;
    AfterValue:
        i = SkipWhitespace(b, i);
        if (depth == 0) return i == b.Length;
        if (i >= b.Length) return false;
        bool inObject = _nodes[_open[depth - 1]].Kind == JsonKind.Object;
        c = b[i];
        if (c == ',')
        {
            i = SkipWhitespace(b, i + 1);
            if (i >= b.Length) return false;
            if (inObject) goto Name;
            goto Value;
        }
        if (c != (inObject ? '}' : ']')) return false;
        Close(ref depth, i++);
        goto AfterValue;
    Name:
        if (b[i] != '"' || (end = ScanString(b, i)) < 0) return false;
        CountChild(depth);
        Add(JsonKind.PropertyName, i, end, false);
        i = SkipWhitespace(b, end);
        if (i >= b.Length || b[i] != ':') return false;
        i++;
        goto Value;
    }

    private void Close(ref int depth, int at)
    {
        ref var open = ref _nodes[_open[--depth]];
        open.End = at + 1;
        open.Next = Length;
    }

    internal static int SkipWhitespace(ReadOnlySpan<byte> b, int i)
    {
        while (i < b.Length && b[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') i++;
        return i;
    }

    // One past the closing quote of the string starting at b[start], or -1 when it has an escape or a control
    // character, is not closed, or is not well-formed UTF-8.
    internal static int ScanString(ReadOnlySpan<byte> b, int start)
    {
        var content = b[(start + 1)..];
        int stop = content.IndexOfAny(StringStop);
        if (stop < 0 || content[stop] != '"') return -1;
        content = content[..stop];
        if (!System.Text.Ascii.IsValid(content) && !System.Text.Unicode.Utf8.IsValid(content)) return -1;
        return start + 1 + stop + 1;
    }

    // One past the number starting at b[start] (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or -1.
    internal static int ScanNumber(ReadOnlySpan<byte> b, int start)
    {
        int j = start;
        if (b[j] == '-') j++;
        if (j >= b.Length) return -1;
        if (b[j] == '0') j++;
        else if (IsDigit(b[j])) j = SkipDigits(b, j);
        else return -1;
        if (j < b.Length && b[j] == '.')
        {
            if (++j >= b.Length || !IsDigit(b[j])) return -1;
            j = SkipDigits(b, j);
        }
        if (j < b.Length && (b[j] | 0x20) == 'e')
        {
            if (++j < b.Length && b[j] is (byte)'+' or (byte)'-') j++;
            if (j >= b.Length || !IsDigit(b[j])) return -1;
            j = SkipDigits(b, j);
        }
        return j;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static int SkipDigits(ReadOnlySpan<byte> b, int j)
    {
        while (j < b.Length && IsDigit(b[j])) j++;
        return j;
    }

    // Object children are counted at their property names; array children at each value.
    private bool IsPropertyValue(int depth) => depth > 0 && _nodes[_open[depth - 1]].Kind == JsonKind.Object;

    private void CountChild(int depth)
    {
        if (depth > 0) _nodes[_open[depth - 1]].Count++;
    }

    private int Add(JsonKind kind, int start, int end, bool escaped)
    {
        if (Length == _nodes.Length) Array.Resize(ref _nodes, _nodes.Length * 2);
        int index = Length++;
        _nodes[index] = new Node { Kind = kind, Start = start, End = end, Next = index + 1, Escaped = escaped };
        return index;
    }

    private static string Reason(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).TrimEnd('.');
    }

    /// <summary>The raw bytes of a value (a string with its quotes).</summary>
    public ReadOnlySpan<byte> Raw(int node) => Bytes[_nodes[node].Start.._nodes[node].End];

    /// <summary>The value node of property <paramref name="name"/> in object <paramref name="obj"/>, or -1.</summary>
    public int Property(int obj, ReadOnlySpan<byte> name)
    {
        if (obj < 0 || _nodes[obj].Kind != JsonKind.Object) return -1;
        for (int n = obj + 1; n < _nodes[obj].Next; n = _nodes[n + 1].Next)
            if (NameEquals(n, name)) return n + 1;
        return -1;
    }

    /// <summary>Element <paramref name="i"/> of array <paramref name="array"/>, or -1.</summary>
    public int Element(int array, int i)
    {
        if (array < 0 || _nodes[array].Kind != JsonKind.Array || i < 0 || i >= _nodes[array].Count) return -1;
        int n = array + 1;
        for (int k = 0; k < i; k++) n = _nodes[n].Next;
        return n;
    }

    /// <summary>The first child of a container: for an object its first property name, for an array its first element; -1 if empty.</summary>
    public int FirstChild(int container) => _nodes[container].Count == 0 ? -1 : container + 1;

    /// <summary>The sibling after child <paramref name="child"/> of <paramref name="container"/> (for objects, pass the name node), or -1.</summary>
    public int NextChild(int container, int child)
    {
        int next = _nodes[container].Kind == JsonKind.Object ? _nodes[child + 1].Next : _nodes[child].Next;
        return next < _nodes[container].Next ? next : -1;
    }

    /// <summary>True when the string or property name at <paramref name="node"/> equals <paramref name="utf8"/> (unescaped).</summary>
    public bool NameEquals(int node, ReadOnlySpan<byte> utf8)
    {
        ref readonly var n = ref _nodes[node];
        var raw = Bytes[(n.Start + 1)..(n.End - 1)];
        return n.Escaped ? Unescape(node).SequenceEqual(utf8) : raw.SequenceEqual(utf8);
    }

    /// <summary>The unescaped UTF-8 content of the string at <paramref name="node"/>; valid until the next call.</summary>
    public ReadOnlySpan<byte> Unescape(int node)
    {
        ref readonly var n = ref _nodes[node];
        var raw = Bytes[(n.Start + 1)..(n.End - 1)];
        if (!n.Escaped) return raw;
        if (_scratch.Length < raw.Length) _scratch = new byte[Math.Max(raw.Length, _scratch.Length * 2)];
        var reader = new Utf8JsonReader(Bytes[n.Start..n.End]);
        reader.Read();
        int written = reader.CopyString(_scratch);
        return _scratch.AsSpan(0, written);
    }

    /// <summary>The number at <paramref name="node"/> as a double (JSON numbers parse).</summary>
    public double Number(int node)
    {
        double.TryParse(Raw(node), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value);
        return value;
    }

    /// <summary>Writes the value without insignificant whitespace.</summary>
    public void WriteCompact(int node, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(_nodes[node].End - _nodes[node].Start);
        output.Advance(WriteCompact(node, span));
    }

    /// <summary>Writes the value without insignificant whitespace into <paramref name="destination"/>, which has room for
    /// its raw bytes (<see cref="Raw"/>); returns the bytes written.</summary>
    public int WriteCompact(int node, Span<byte> destination)
    {
        var raw = Raw(node);
        if (_nodes[node].Kind is not (JsonKind.Object or JsonKind.Array)) { raw.CopyTo(destination); return raw.Length; }
        int w = 0;
        bool inString = false, escape = false;
        foreach (byte b in raw)
        {
            if (inString)
            {
                if (escape) escape = false;
                else if (b == '\\') escape = true;
                else if (b == '"') inString = false;
            }
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
            else if (b == '"') inString = true;
            destination[w++] = b;
        }
        return w;
    }

    /// <summary>Writes the value as Go's template printing shows it: strings unquoted and unescaped, numbers and
    /// literals as written, null as <c>&lt;nil&gt;</c>, objects and arrays as compact JSON.</summary>
    public void WriteText(int node, IBufferWriter<byte> output)
    {
        switch (_nodes[node].Kind)
        {
            case JsonKind.String: output.Write(Unescape(node)); break;
            case JsonKind.Null: output.Write("<nil>"u8); break;
            default: WriteCompact(node, output); break;
        }
    }
}

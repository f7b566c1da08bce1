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
    public bool TryParse(ReadOnlyMemory<byte> json, out string? error)
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
        Length = 0;
        error = null;
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
        var raw = Raw(node);
        if (_nodes[node].Kind is not (JsonKind.Object or JsonKind.Array)) { output.Write(raw); return; }
        var span = output.GetSpan(raw.Length);
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
            span[w++] = b;
        }
        output.Advance(w);
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

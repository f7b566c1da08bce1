using System.Buffers;

namespace ZeroDepMqtt.Sink.Shaping;

internal sealed partial class MessageShaper
{
    // eKuiper's order: the template first, then dataField, then fields, then the encoding (format).
    private string? Transform(Scratch s, JsonIndex index, int item, ArrayBufferWriter<byte> output, out bool empty)
    {
        empty = false;
        if (DataTemplate is not null)
        {
            bool reparse = DataField is not null || Fields is not null || ExcludeFields is not null || Format != ShapeFormat.Json;
            var target = reparse ? s.Template : output;
            if (reparse) s.Template.ResetWrittenCount();
            int before = output.WrittenCount;
            DataTemplate.Render(index, item, target, s.Runner);
            if (!reparse)
            {
                empty = IsBlank(output.WrittenSpan[before..]);
                return null;
            }
            // The template's output is the data for the next steps, so it must be JSON.
            if (!s.Transformed.TryParse(s.Template.WrittenMemory, out string? error)) return $"dataTemplate output is {error}";
            (index, item) = (s.Transformed, 0);
        }
        if (DataField is not null)
        {
            if (index[item].Kind != JsonKind.Object) return $"dataField \"{Text(DataField)}\" needs an object; the message is {KindName(index, item)} (set sendSingle for arrays)";
            int value = index.Property(item, DataField);
            if (value < 0) return $"dataField \"{Text(DataField)}\" is not in the message";
            item = value;
        }
        if (Format == ShapeFormat.Delimited) return Delimited(s, index, item, output, out empty);
        if (Fields is null && ExcludeFields is null)
        {
            empty = IsEmpty(index, item);
            index.WriteCompact(item, output);
            return null;
        }
        return Project(index, item, output, out empty);
    }

    // fields / excludeFields on an object, or on each object of an array.
    private string? Project(JsonIndex index, int item, ArrayBufferWriter<byte> output, out bool empty)
    {
        empty = true;
        if (index[item].Kind == JsonKind.Object) return ProjectObject(index, item, output, ref empty);
        if (index[item].Kind != JsonKind.Array) return $"{OptionName} needs an object or an array of objects; the message is {KindName(index, item)}";
        output.Write("["u8);
        bool first = true;
        for (int e = index.FirstChild(item); e >= 0; e = index.NextChild(item, e))
        {
            if (!first) output.Write(","u8);
            first = false;
            bool elementEmpty = true;
            if (index[e].Kind != JsonKind.Object) return $"{OptionName} needs an array of objects; element is {KindName(index, e)}";
            string? error = ProjectObject(index, e, output, ref elementEmpty);
            if (error is not null) return error;
        }
        output.Write("]"u8);
        empty = first;
        return null;
    }

    private string OptionName => Fields is not null ? "fields" : "excludeFields";

    private string? ProjectObject(JsonIndex index, int obj, ArrayBufferWriter<byte> output, ref bool empty)
    {
        if (Fields is not null) return ProjectFields(index, obj, output, ref empty);
        output.Write("{"u8);
        bool first = true;
        for (int name = index.FirstChild(obj); name >= 0; name = index.NextChild(obj, name))
        {
            if (IsExcluded(index, name)) continue;
            if (!first) output.Write(","u8);
            first = false;
            index.WriteCompact(name, output);
            output.Write(":"u8);
            index.WriteCompact(name + 1, output);
        }
        output.Write("}"u8);
        empty &= first;
        return null;
    }

    // fields: into one span sized for the worst case (every field kept, each value as long as the whole object), so the
    // projection costs one GetSpan and one Advance rather than a buffer-writer call per piece.
    private string? ProjectFields(JsonIndex index, int obj, ArrayBufferWriter<byte> output, ref bool empty)
    {
        var keys = FieldKeys;
        int keyBytes = 0;
        foreach (var key in keys) keyBytes += key.Length;
        var span = output.GetSpan(2 + keyBytes + keys.Length * (1 + index[obj].End - index[obj].Start));
        int w = 1;
        span[0] = (byte)'{';
        for (int f = 0; f < keys.Length; f++)
        {
            int value = index.Property(obj, Fields![f]);
            if (value < 0) continue;
            if (w > 1) span[w++] = (byte)',';
            keys[f].CopyTo(span[w..]);
            w += keys[f].Length;
            w += index.WriteCompact(value, span[w..]);
        }
        empty &= w == 1;
        span[w++] = (byte)'}';
        output.Advance(w);
        return null;
    }

    private bool IsExcluded(JsonIndex index, int name)
    {
        foreach (var excluded in ExcludeFields!)
            if (index.NameEquals(name, excluded)) return true;
        return false;
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        var t = bytes.Trim(" \t\r\n"u8);
        return t.IsEmpty || t.SequenceEqual("{}"u8) || t.SequenceEqual("[]"u8) || t.SequenceEqual("null"u8);
    }

    private static string Text(byte[] utf8) => System.Text.Encoding.UTF8.GetString(utf8);

    internal static string KindName(JsonIndex index, int node) => index[node].Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "an array",
        JsonKind.String => "a string",
        JsonKind.Number => "a number",
        JsonKind.Null => "null",
        _ => "a boolean",
    };
}

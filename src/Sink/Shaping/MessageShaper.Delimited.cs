using System.Buffers;

namespace ZeroDepMqtt.Sink.Shaping;

internal sealed partial class MessageShaper
{
    // format "delimited": one line of values per object (strings unquoted), columns in the order of fields or, without
    // fields, by name (as eKuiper's converter sorts map keys); an array is one line per object; hasHeader adds the names first.
    private string? Delimited(Scratch s, JsonIndex index, int item, ArrayBufferWriter<byte> output, out bool empty)
    {
        empty = true;
        int first = item;
        if (index[item].Kind == JsonKind.Array)
        {
            first = index.FirstChild(item);
            if (first < 0) return null;
        }
        if (index[first].Kind != JsonKind.Object) return $"format \"delimited\" needs an object or an array of objects; the message is {KindName(index, first)}";
        int columns = Columns(s, index, first);
        if (HasHeader)
        {
            for (int c = 0; c < columns; c++)
            {
                if (c > 0) output.Write(Delimiter);
                if (Fields is not null) output.Write(Fields[c]);
                else output.Write(index.Unescape(s.Order[c]));
            }
            output.Write("\n"u8);
        }
        bool firstRow = true;
        for (int row = first; row >= 0; row = index[item].Kind == JsonKind.Array ? index.NextChild(item, row) : -1)
        {
            if (index[row].Kind != JsonKind.Object) return $"format \"delimited\" needs an array of objects; element is {KindName(index, row)}";
            if (!firstRow) output.Write("\n"u8);
            firstRow = false;
            for (int c = 0; c < columns; c++)
            {
                if (c > 0) output.Write(Delimiter);
                int value = Fields is not null ? index.Property(row, Fields[c]) : index.Property(row, NameBytes(s, index, c));
                if (value >= 0) index.WriteText(value, output);
                empty = false;
            }
        }
        return null;
    }

    // The column count; without fields, s.Order holds the first object's name nodes sorted by their raw bytes.
    private int Columns(Scratch s, JsonIndex index, int obj)
    {
        if (Fields is not null) return Fields.Length;
        int n = 0;
        for (int name = index.FirstChild(obj); name >= 0; name = index.NextChild(obj, name))
        {
            if (ExcludeFields is not null && IsExcluded(index, name)) continue;
            if (n == s.Order.Length) Array.Resize(ref s.Order, n * 2);
            s.Order[n++] = name;
        }
        var order = s.Order.AsSpan(0, n);
        // Insertion sort: a handful of columns, and no comparer object to allocate.
        for (int i = 1; i < order.Length; i++)
        {
            int key = order[i], j = i - 1;
            while (j >= 0 && index.Raw(order[j]).SequenceCompareTo(index.Raw(key)) > 0) { order[j + 1] = order[j]; j--; }
            order[j + 1] = key;
        }
        return n;
    }

    private static ReadOnlySpan<byte> NameBytes(Scratch s, JsonIndex index, int column)
    {
        var raw = index.Raw(s.Order[column]);
        return raw[1..^1];
    }
}

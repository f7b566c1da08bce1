using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ZeroDepMqtt.Sink.Shaping;

internal sealed partial class MessageShaper
{
    /// <summary>
    /// The names a <c>fields</c> projection and a topic pattern of plain top-level fields read, for the flat-object lane
    /// (<see cref="TryShapeFlat"/>): fields first, in order, then the topic's fields not among them.
    /// </summary>
    private sealed class FlatPlan(byte[][] names, int[] fieldSlots, (byte[]? Text, int Slot)[]? topic)
    {
        public static readonly FlatPlan None = new([], [], null);

        public byte[][] Names { get; } = names;
        // Per name of at most 8 bytes: those bytes as a little-endian word, and the mask of its length (0 when longer).
        public (ulong Word, ulong Mask)[] Words { get; } = [.. names.Select(WordOf)];
        public int[] FieldSlots { get; } = fieldSlots;        // per field: its index in Names
        public (byte[]? Text, int Slot)[]? Topic { get; } = topic;   // per topic part: text, or a field's index in Names
    }

    private FlatPlan? _flatPlan;

    private static (ulong, ulong) WordOf(byte[] name)
    {
        if (name.Length is 0 or > 8) return (0, 0);
        Span<byte> word = stackalloc byte[8];
        word.Clear();
        name.CopyTo(word);
        return (BinaryPrimitives.ReadUInt64LittleEndian(word), ulong.MaxValue >> (64 - 8 * name.Length));
    }

    // Whether the name at b[start..start+length] is names[k]: one masked word compare for a name of up to 8 bytes
    // when 8 bytes of input can be read from start, else a byte compare.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NameIs(ReadOnlySpan<byte> b, int start, int length, byte[] name, (ulong Word, ulong Mask) word)
    {
        if (length != name.Length) return false;
        if (word.Mask != 0 && start + 8 <= b.Length)
            return (BinaryPrimitives.ReadUInt64LittleEndian(b[start..]) & word.Mask) == word.Word;
        return b.Slice(start, length).SequenceEqual(name);
    }

    // Built on first use (the options are init-only properties); a race builds the same immutable plan twice.
    private FlatPlan Flat => _flatPlan ??= BuildFlatPlan() ?? FlatPlan.None;

    private FlatPlan? BuildFlatPlan()
    {
        if (Fields is null || ExcludeFields is not null || DataField is not null || DataTemplate is not null || Format != ShapeFormat.Json) return null;
        var names = new List<byte[]>();
        int SlotOf(byte[] name)
        {
            int at = names.FindIndex(n => n.AsSpan().SequenceEqual(name));
            if (at >= 0) return at;
            names.Add(name);
            return names.Count - 1;
        }
        var fieldSlots = Fields.Select(SlotOf).ToArray();
        (byte[]?, int)[]? topic = null;
        if (TopicTemplate is not null)
        {
            if (TopicTemplate.PlainParts is not { } parts) return null;
            topic = new (byte[]?, int)[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (parts[i].Text is { } text) topic[i] = (text, -1);
                else if (parts[i].Path is [var name]) topic[i] = (null, SlotOf(name));
                else return null;   // a nested path ({{.a.b}}): the flat lane never sees inside values
            }
        }
        return new FlatPlan([.. names], fieldSlots, topic);
    }

    /// <summary>
    /// The lane for the common gateway case: a flat JSON object (no value is an object or array, no string has an
    /// escape), <c>fields</c> kept, a topic of text and top-level fields. One validating pass over the bytes notes
    /// where the few named values are, instead of indexing every node and then searching the index per field; the
    /// result is byte for byte what the general path gives. False for anything else (with nothing added to the
    /// results), and the caller takes the general path, which also gives every verdict and error message.
    /// </summary>
    private bool TryShapeFlat(Scratch s, FlatPlan plan, ReadOnlySpan<byte> b)
    {
        var names = plan.Names;
        if (s.Found.Length < names.Length) s.Found = new (int, int, JsonKind)[names.Length];
        var found = s.Found.AsSpan(0, names.Length);
        for (int k = 0; k < found.Length; k++) found[k] = (-1, -1, JsonKind.Null);   // a few names: cheaper than Fill's call
        var words = plan.Words;
        int i = Skip(b, 0);
        if (i >= b.Length || b[i] != '{') return false;
        i = Skip(b, i + 1);
        if (i >= b.Length) return false;
        if (b[i] == '}') i++;
        else
        {
            while (true)
            {
                if (b[i] != '"') return false;
                int end = ScanFlatString(b, i);
                if (end < 0) return false;
                int slot = -1;
                for (int k = 0; k < names.Length; k++)
                    if (found[k].Start < 0 && NameIs(b, i + 1, end - i - 2, names[k], words[k])) { slot = k; break; }   // the first of duplicates, as Property finds
                i = Skip(b, end);
                if (i >= b.Length || b[i] != ':') return false;
                i = Skip(b, i + 1);
                if (i >= b.Length) return false;
                JsonKind kind;
                switch (b[i])
                {
                    case (byte)'"': end = ScanFlatString(b, i); kind = JsonKind.String; break;
                    case (byte)'t': end = b[i..].StartsWith("true"u8) ? i + 4 : -1; kind = JsonKind.True; break;
                    case (byte)'f': end = b[i..].StartsWith("false"u8) ? i + 5 : -1; kind = JsonKind.False; break;
                    case (byte)'n': end = b[i..].StartsWith("null"u8) ? i + 4 : -1; kind = JsonKind.Null; break;
                    case (byte)'{' or (byte)'[': return false;
                    default: end = JsonIndex.ScanNumber(b, i); kind = JsonKind.Number; break;
                }
                if (end < 0) return false;
                if (slot >= 0) found[slot] = (i, end, kind);
                i = Skip(b, end);
                if (i >= b.Length) return false;
                if (b[i] == '}') { i++; break; }
                if (b[i] != ',') return false;
                i = Skip(b, i + 1);
                if (i >= b.Length) return false;
            }
        }
        if (Skip(b, i) != b.Length) return false;

        var entry = new ShapeResults.Entry();
        if (plan.Topic is null) entry.Topic = StaticTopic;
        else
        {
            s.Topic.ResetWrittenCount();
            foreach (var (text, slot) in plan.Topic)
            {
                if (text is not null) { s.Topic.Write(text); continue; }
                var (start, end, kind) = found[slot];
                // As CompiledTemplate.TryRenderPlain: numbers and strings print as their text; a missing field or another
                // kind is the template runner's to print or report.
                if (kind == JsonKind.Number) s.Topic.Write(b[start..end]);
                else if (kind == JsonKind.String && start >= 0) s.Topic.Write(b[(start + 1)..(end - 1)]);
                else return false;
            }
            if (!TopicOf(s.Topic.WrittenSpan, out entry.Topic, out entry.Error)) { s.Results.Add(entry); return true; }
        }

        // As ProjectFields: "name": and the value's bytes (compact already: a flat value holds no whitespace) per kept field.
        var payloads = s.Results.Payloads;
        var keys = FieldKeys;
        int room = 2;
        foreach (var key in keys) room += key.Length + 1 + b.Length;   // each value is at most the whole input
        var span = payloads.GetSpan(room);
        int w = 1;
        span[0] = (byte)'{';
        for (int f = 0; f < keys.Length; f++)
        {
            var (start, end, _) = found[plan.FieldSlots[f]];
            if (start < 0) continue;
            if (w > 1) span[w++] = (byte)',';
            keys[f].CopyTo(span[w..]);
            w += keys[f].Length;
            b[start..end].CopyTo(span[w..]);
            w += end - start;
        }
        bool empty = w == 1;
        span[w++] = (byte)'}';
        entry.Start = payloads.WrittenCount;
        entry.Length = w;
        payloads.Advance(w);
        entry.Omitted = OmitIfEmpty && empty;
        s.Results.Add(entry);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Skip(ReadOnlySpan<byte> b, int i) => i < b.Length && b[i] > (byte)' ' ? i : JsonIndex.SkipWhitespace(b, i);

    // As JsonIndex.ScanString. Names and values here are mostly a few bytes long, where a word-at-a-time loop beats
    // setting up the vectorised search; a string longer than 32 bytes is left to that search.
    internal static int ScanFlatString(ReadOnlySpan<byte> b, int start)
    {
        int limit = Math.Min(b.Length, start + 33);
        bool ascii = true;
        int j = start + 1;
        // Eight bytes at a time while none is special ('"', '\', a control byte or non-ASCII): the lowest flagged
        // byte of these bit tricks is exact, and the byte loop below takes over from it.
        while (j + 8 <= limit)
        {
            ulong w = BinaryPrimitives.ReadUInt64LittleEndian(b[j..]);
            const ulong Ones = 0x0101010101010101, High = 0x8080808080808080;
            ulong quote = w ^ (Ones * '"'), backslash = w ^ (Ones * '\\');
            ulong special = ((quote - Ones) & ~quote) | ((backslash - Ones) & ~backslash) | ((w - Ones * 0x20) & ~w) | w;
            special &= High;
            if (special != 0) { j += BitOperations.TrailingZeroCount(special) >> 3; break; }
            j += 8;
        }
        for (; j < limit; j++)
        {
            byte c = b[j];
            if (c == (byte)'"') return ascii || System.Text.Unicode.Utf8.IsValid(b[(start + 1)..j]) ? j + 1 : -1;
            if (c < 0x20 || c == (byte)'\\') return -1;
            if (c >= 0x80) ascii = false;
        }
        return JsonIndex.ScanString(b, start);
    }

    /// <summary>Whether <paramref name="input"/> takes the flat-object lane (tests check that it is taken at all).</summary>
    internal bool TakesFlatLane(ReadOnlySpan<byte> input)
    {
        var s = t_scratch ??= new Scratch();
        s.Results.Clear();
        return Flat != FlatPlan.None && TryShapeFlat(s, Flat, input);
    }
}

using System.Text;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>
/// Resolved topics seen recently, by their bytes: a gateway publishes to the same few hundred device topics over and
/// over, so each is validated and encoded once instead of per message. A fixed table (no growth); a collision just
/// replaces the older entry. Thread-safe: entries are immutable and replaced whole.
/// </summary>
internal sealed class TopicCache
{
    private const int Size = 1024;

    private sealed class Entry(byte[] utf8, TopicName topic)
    {
        public byte[] Utf8 { get; } = utf8;
        public TopicName Topic { get; } = topic;
    }

    private readonly Entry?[] _entries = new Entry?[Size];

    /// <summary>The topic for <paramref name="utf8"/>, or false with a reason naming the broken rule.</summary>
    public bool TryGet(ReadOnlySpan<byte> utf8, int maxBytes, out TopicName topic, out string? error)
    {
        int slot = (int)(Hash(utf8) % Size);
        var entry = Volatile.Read(ref _entries[slot]);
        if (entry is not null && entry.Utf8.AsSpan().SequenceEqual(utf8))
        {
            (topic, error) = (entry.Topic, null);
            return true;
        }
        topic = default;
        error = Check(utf8, maxBytes);
        if (error is not null) return false;
        try
        {
            topic = TopicName.Create(Encoding.UTF8.GetString(utf8));
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
        Volatile.Write(ref _entries[slot], new Entry(utf8.ToArray(), topic));
        return true;
    }

    // A cheap multiplicative hash over 8-byte words (HashCode.AddBytes costs as much as the rest of a lookup). Not
    // randomized: a collision only costs a re-validation, and entries are compared by their bytes.
    private static uint Hash(ReadOnlySpan<byte> utf8)
    {
        const ulong K = 0x9E3779B97F4A7C15;
        ulong h = (ulong)utf8.Length * K;
        while (utf8.Length >= 8)
        {
            h = ulong.RotateLeft((h ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(utf8)) * K, 31);
            utf8 = utf8[8..];
        }
        foreach (byte b in utf8) h = ulong.RotateLeft((h ^ b) * K, 31);
        return (uint)((h * K) >> 32);   // the product's high half: every input bit reaches the low bits a slot takes
    }

    private static string? Check(ReadOnlySpan<byte> utf8, int maxBytes)
    {
        if (utf8.IsEmpty) return "the resolved topic is empty (MQTT-4.7.3-1)";
        int wildcard = utf8.IndexOfAny((byte)'+', (byte)'#');
        if (wildcard >= 0) return $"the resolved topic \"{Show(utf8)}\" contains the wildcard '{(char)utf8[wildcard]}' (MQTT-3.3.2-2)";
        if (utf8.IndexOf((byte)0) >= 0) return $"the resolved topic \"{Show(utf8)}\" contains U+0000 (MQTT-4.7.3-2)";
        if (utf8.Length > maxBytes) return $"the resolved topic is {utf8.Length} UTF-8 bytes; at most {maxBytes} are allowed";
        if (!System.Text.Unicode.Utf8.IsValid(utf8)) return "the resolved topic is not well-formed UTF-8 (MQTT-1.5.3-1)";
        return null;
    }

    private static string Show(ReadOnlySpan<byte> utf8)
    {
        string s = Encoding.UTF8.GetString(utf8.Length > 80 ? utf8[..80] : utf8).Replace("\0", "\\u0000", StringComparison.Ordinal);
        return utf8.Length > 80 ? s + "..." : s;
    }
}

using System.Buffers;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>What one input became: one entry per outgoing message (or per failed or omitted one), payload bytes in
/// <see cref="Payloads"/> or, when passed through untouched, a slice of the input. Reused per thread.</summary>
internal sealed class ShapeResults
{
    internal struct Entry
    {
        public TopicName Topic;
        public int Start;
        public int Length;
        public bool FromInput;   // Start/Length index the input, not Payloads
        public bool Omitted;     // empty and omitIfEmpty: not sent
        public string? Error;    // could not be shaped: not sent
    }

    private Entry[] _entries = new Entry[8];

    public ArrayBufferWriter<byte> Payloads { get; } = new(1024);

    public int Count { get; private set; }

    public ref Entry this[int i] => ref _entries[i];

    public void Clear()
    {
        Count = 0;
        Payloads.ResetWrittenCount();
    }

    public void Add(in Entry entry)
    {
        if (Count == _entries.Length) Array.Resize(ref _entries, Count * 2);
        _entries[Count++] = entry;
    }

    public ReadOnlySpan<byte> PayloadOf(int i, ReadOnlySpan<byte> input)
    {
        ref var e = ref _entries[i];
        return e.FromInput ? input.Slice(e.Start, e.Length) : Payloads.WrittenSpan.Slice(e.Start, e.Length);
    }
}

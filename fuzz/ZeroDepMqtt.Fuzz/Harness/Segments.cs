using System.Buffers;

namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>Builds multi-segment sequences and the deterministic chunk plans the harnesses cut their input by.</summary>
internal static class Segments
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>One sequence over the pieces in order; empty pieces stay as empty segments.</summary>
    public static ReadOnlySequence<byte> Build(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        if (pieces.Count == 0) return ReadOnlySequence<byte>.Empty;
        if (pieces.Count == 1) return new ReadOnlySequence<byte>(pieces[0]);
        var first = new Segment(pieces[0], 0);
        var last = first;
        for (int i = 1; i < pieces.Count; i++) last = last.Append(pieces[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>
    /// Chunk sizes covering <paramref name="length"/> bytes, from a PRNG seeded by the input itself: the same input
    /// always splits the same way, so a crash reproduces. Mostly 1–8 bytes, sometimes 0 (an empty segment) or up to 64.
    /// </summary>
    public static List<int> Plan(ReadOnlySpan<byte> input, int length)
    {
        uint state = 2166136261;
        foreach (byte b in input) state = (state ^ b) * 16777619;
        state |= 1;
        var sizes = new List<int>();
        int left = length;
        while (left > 0)
        {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5;
            int pick = (int)(state % 16);
            int size = pick == 0 ? 0 : pick < 13 ? 1 + (int)((state >> 8) % 8) : 1 + (int)((state >> 8) % 64);
            size = Math.Min(size, left);
            sizes.Add(size);
            left -= size;
        }
        return sizes;
    }

    /// <summary>Cuts <paramref name="data"/> by <paramref name="sizes"/>, each piece its own array.</summary>
    public static List<ReadOnlyMemory<byte>> Cut(byte[] data, IReadOnlyList<int> sizes)
    {
        var pieces = new List<ReadOnlyMemory<byte>>(sizes.Count);
        int at = 0;
        foreach (int size in sizes)
        {
            pieces.Add(data.AsSpan(at, size).ToArray());
            at += size;
        }
        return pieces;
    }
}

using System.Buffers;

namespace ZeroDepMqtt.Protocol.Tests.TestSupport;

/// <summary>Builds multi-segment sequences, the shape a pipe hands the decoder after several socket reads.</summary>
internal static class Segments
{
    /// <summary>
    /// Copies <paramref name="data"/>[start..end) into separate arrays cut at every boundary in
    /// <paramref name="cuts"/> that falls strictly inside the range.
    /// </summary>
    public static ReadOnlySequence<byte> Build(byte[] data, int start, int end, IEnumerable<int> cuts)
    {
        var bounds = cuts.Where(c => c > start && c < end).Distinct().Order().ToList();
        bounds.Add(end);
        var parts = new List<ReadOnlyMemory<byte>>();
        int from = start;
        foreach (int to in bounds)
        {
            parts.Add(data.AsSpan(from, to - from).ToArray());
            from = to;
        }
        return Link(parts);
    }

    /// <summary>Cuts <paramref name="data"/> into chunks of the given sizes (the last takes the rest).</summary>
    public static ReadOnlySequence<byte> Chunked(byte[] data, params int[] sizes)
    {
        var cuts = new List<int>();
        int at = 0;
        foreach (int s in sizes) { at += s; cuts.Add(at); }
        return Build(data, 0, data.Length, cuts);
    }

    /// <summary>Links memory blocks into one sequence without copying (the fuzz harness's builder, compiled in here).</summary>
    public static ReadOnlySequence<byte> Link(IReadOnlyList<ReadOnlyMemory<byte>> parts) => ZeroDepMqtt.Fuzz.Harness.Segments.Build(parts);
}

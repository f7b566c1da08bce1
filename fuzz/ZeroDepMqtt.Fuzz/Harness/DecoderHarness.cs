using System.Buffers;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>
/// Harness 1: arbitrary bytes are a stream of packets from a peer. Decodes them three ways: one contiguous buffer,
/// one multi-segment buffer, and chunk by chunk as a receive loop sees them. All three must give the same packets
/// (each decoded for MQTT 3.1 and 3.1.1) and end the same way: the same bytes left over, or the same
/// <see cref="MqttProtocolException"/>. Any other exception escapes and is a crash.
/// </summary>
internal static class DecoderHarness
{
    /// <summary>The client's default limit, so PacketTooLarge is reachable with a 3- or 4-byte Remaining Length.</summary>
    public const int MaxPacketSize = MqttFrameReader.DefaultMaxPacketSize;

    public static void Run(ReadOnlySpan<byte> input)
    {
        byte[] data = input.ToArray();
        var whole = DecodeAll(new ReadOnlySequence<byte>(data));
        var sizes = Segments.Plan(data, data.Length);
        var pieces = Segments.Cut(data, sizes);
        Same(whole, DecodeAll(Segments.Build(pieces)), "multi-segment", sizes);
        Same(whole, DecodeStreamed(pieces), "streamed", sizes);
    }

    /// <summary>Everything the decoder says about <paramref name="buffer"/>, one line per frame and a last line for the end.</summary>
    public static List<string> DecodeAll(ReadOnlySequence<byte> buffer)
    {
        var log = new List<string>();
        try
        {
            while (ReadFrame(ref buffer, log)) { }
            log.Add($"end, {buffer.Length} byte(s) left");
        }
        catch (MqttProtocolException e)
        {
            log.Add("frame " + PacketText.Error(e));
        }
        return log;
    }

    /// <summary>Feeds the pieces one at a time, as a pipe reader would, keeping the unread tail across reads.</summary>
    private static List<string> DecodeStreamed(List<ReadOnlyMemory<byte>> pieces)
    {
        var log = new List<string>();
        var pending = new List<ReadOnlyMemory<byte>>();
        try
        {
            foreach (var piece in pieces)
            {
                pending.Add(piece);
                var buffer = Segments.Build(pending);
                long before = buffer.Length;
                while (ReadFrame(ref buffer, log)) { }
                Drop(pending, before - buffer.Length);
            }
            log.Add($"end, {pending.Sum(p => (long)p.Length)} byte(s) left");
        }
        catch (MqttProtocolException e)
        {
            log.Add("frame " + PacketText.Error(e));
        }
        return log;
    }

    private static bool ReadFrame(ref ReadOnlySequence<byte> buffer, List<string> log)
    {
        var before = buffer;
        if (!MqttFrameReader.TryRead(ref buffer, MaxPacketSize, out var frame))
        {
            if (buffer.Length != before.Length || !buffer.Start.Equals(before.Start))
                throw new HarnessFailure("TryRead returned false but moved the buffer");
            return false;
        }
        long consumed = before.Length - buffer.Length;
        if (consumed != frame.HeaderLength + frame.RemainingLength || frame.HeaderLength is < 2 or > 5)
            throw new HarnessFailure($"TryRead consumed {consumed} bytes for a {frame.HeaderLength}+{frame.RemainingLength}-byte frame");
        log.Add($"0x{frame.Header:X2} len={frame.RemainingLength} hl={frame.HeaderLength} | 3.1: {PacketText.Describe(frame, MqttProtocolVersion.V310)} | 3.1.1: {PacketText.Describe(frame, MqttProtocolVersion.V311)}");
        return true;
    }

    private static void Drop(List<ReadOnlyMemory<byte>> pending, long count)
    {
        while (count > 0)
        {
            var first = pending[0];
            if (first.Length <= count)
            {
                count -= first.Length;
                pending.RemoveAt(0);
            }
            else
            {
                pending[0] = first[(int)count..];
                count = 0;
            }
        }
    }

    private static void Same(List<string> expected, List<string> actual, string how, List<int> sizes)
    {
        int n = Math.Min(expected.Count, actual.Count);
        for (int i = 0; i < n; i++)
        {
            if (expected[i] != actual[i])
                throw new HarnessFailure($"{how} decoding differs at line {i}: one buffer gave \"{expected[i]}\", {how} gave \"{actual[i]}\" (chunks {string.Join(",", sizes)})");
        }
        if (expected.Count != actual.Count)
            throw new HarnessFailure($"{how} decoding gave {actual.Count} lines, one buffer {expected.Count} (chunks {string.Join(",", sizes)})");
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace ZeroDepMqtt.Cli.Input;

/// <summary>
/// Splits input into lines: a line ends at <c>\n</c>, and a <c>\r</c> right before it is dropped too; the last line
/// needs no line ending; an empty line is a line. Bytes are passed through as they are (no decoding).
/// </summary>
/// <remarks>
/// Input is read in large blocks and a line is a slice of its block, not a copy: the block goes back to the pool when
/// the reader and every line in it are done with it. The newline search covers only bytes not searched before, and a
/// line longer than the free room moves once into a block of at least twice its length, so a very long line costs
/// linear time (each byte searched once, copied fewer than two times on average).
/// </remarks>
public static class InputLines
{
    /// <summary>The largest line accepted: MQTT's largest packet, 268,435,455 bytes (3.1.1 §2.2.3).</summary>
    public const int MaxLineBytes = 268_435_455;

    /// <summary>The size of a read block: one read asks for the free room of the block, up to this much.</summary>
    internal const int BlockBytes = 1 << 20;

    /// <summary>The lines of <paramref name="stream"/>; each line's bytes are the caller's until it calls <see cref="InputLine.Return"/>.</summary>
    /// <exception cref="InvalidDataException">A line is longer than <see cref="MaxLineBytes"/>.</exception>
    public static IAsyncEnumerable<InputLine> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
        => ReadAsync(stream, BlockBytes, MaxLineBytes, counters: null, cancellationToken);

    /// <summary>The same with a block size, a line limit and work counters of the caller's (tests).</summary>
    internal static async IAsyncEnumerable<InputLine> ReadAsync(Stream stream, int blockBytes, int maxLineBytes, InputScanCounters? counters,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var block = InputBlock.Rent(blockBytes);
        // start: where the unfinished line begins; scanned: bytes before it hold no newline of that line; end: bytes read.
        int start = 0, scanned = 0, end = 0;
        long lineNumber = 0;
        try
        {
            while (true)
            {
                int newline = block.Bytes.AsSpan(scanned, end - scanned).IndexOf((byte)'\n');
                if (counters is not null) counters.Scanned += newline < 0 ? end - scanned : newline + 1;
                if (newline >= 0)
                {
                    int at = scanned + newline;
                    int length = at - start;
                    if (length > 0 && block.Bytes[at - 1] == (byte)'\r') length--;
                    lineNumber++;
                    if (length > maxLineBytes) throw TooLong(lineNumber, maxLineBytes);
                    yield return block.Line(start, length);
                    start = scanned = at + 1;
                    continue;
                }
                scanned = end;
                int partial = end - start;
                // One byte more is fine when it is a \r: a \n may follow and drop it.
                if (partial > maxLineBytes && (partial > maxLineBytes + 1 || block.Bytes[end - 1] != (byte)'\r'))
                    throw TooLong(lineNumber + 1, maxLineBytes);
                if (end == block.Bytes.Length)
                {
                    // No room left: the unfinished line moves to a fresh block (the lines before it may still be in use).
                    var next = InputBlock.Rent((int)Math.Min(Math.Max((long)partial * 2, blockBytes), (long)maxLineBytes + 2));
                    block.Bytes.AsSpan(start, partial).CopyTo(next.Bytes);
                    if (counters is not null) counters.Copied += partial;
                    block.Release();
                    block = next;
                    start = 0;
                    scanned = end = partial;
                }
                int read = await stream.ReadAsync(block.Bytes.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (partial > maxLineBytes) throw TooLong(lineNumber + 1, maxLineBytes);
                    if (partial > 0) yield return block.Line(start, partial);
                    yield break;
                }
                end += read;
            }
        }
        finally
        {
            block.Release();
        }
    }

    /// <summary>The lines of a text reader (for callers without a byte stream), each encoded as UTF-8.</summary>
    public static async IAsyncEnumerable<InputLine> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            if (text.Length == 0) { yield return default; continue; }
            var block = InputBlock.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
            int length = Encoding.UTF8.GetBytes(text, block.Bytes);
            var line = block.Line(0, length);
            block.Release();
            yield return line;
        }
    }

    private static InvalidDataException TooLong(long lineNumber, int maxLineBytes)
        => new($"input line {lineNumber} is longer than {maxLineBytes} bytes, the most one MQTT message can carry");
}

/// <summary>What <see cref="InputLines"/> did, for tests that prove it linear: bytes searched for a newline, bytes
/// copied to make room for a long line.</summary>
internal sealed class InputScanCounters
{
    public long Scanned { get; set; }
    public long Copied { get; set; }
}

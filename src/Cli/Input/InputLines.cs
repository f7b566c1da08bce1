using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace ZeroDepMqtt.Cli.Input;

/// <summary>
/// Splits input into lines: a line ends at <c>\n</c>, and a <c>\r</c> right before it is dropped too; the last line
/// needs no line ending; an empty line is a line. Bytes are passed through as they are (no decoding).
/// </summary>
/// <remarks>Lines are slices of large pooled read blocks, searched once: see <see cref="InputLineReader"/>.</remarks>
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
        using var reader = new InputLineReader(stream, blockBytes, maxLineBytes, counters);
        while (await reader.ReadMoreAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryReadLine(out var line)) yield return line;
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
}

/// <summary>What <see cref="InputLines"/> did, for tests that prove it linear: bytes searched for a newline, bytes
/// copied to make room for a long line.</summary>
internal sealed class InputScanCounters
{
    public long Scanned { get; set; }
    public long Copied { get; set; }
}

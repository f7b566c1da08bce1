using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace ZeroDepMqtt.Cli.Input;

/// <summary>One input line's bytes, without its line ending, in a buffer rented from <see cref="ArrayPool{T}.Shared"/>
/// (null for an empty line). The owner returns it with <see cref="Return"/> once nothing reads it any more.</summary>
public readonly record struct InputLine(byte[]? Buffer, int Length)
{
    /// <summary>The line's bytes.</summary>
    public ReadOnlyMemory<byte> Memory => Buffer is null ? ReadOnlyMemory<byte>.Empty : Buffer.AsMemory(0, Length);

    /// <summary>Gives the buffer back to the pool.</summary>
    public void Return()
    {
        if (Buffer is not null) ArrayPool<byte>.Shared.Return(Buffer);
    }

    internal static InputLine Copy(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsEmpty) return default;
        int length = checked((int)bytes.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        bytes.CopyTo(buffer);
        return new InputLine(buffer, length);
    }
}

/// <summary>
/// Splits input into lines: a line ends at <c>\n</c>, and a <c>\r</c> right before it is dropped too; the last line
/// needs no line ending; an empty line is a line. Bytes are passed through as they are (no decoding).
/// </summary>
public static class InputLines
{
    /// <summary>The largest line accepted: MQTT's largest packet, 268,435,455 bytes (3.1.1 §2.2.3).</summary>
    public const int MaxLineBytes = 268_435_455;

    /// <summary>The lines of <paramref name="stream"/>, read through a pipe; each line's buffer is the caller's.</summary>
    /// <exception cref="InvalidDataException">A line is longer than <see cref="MaxLineBytes"/>.</exception>
    public static async IAsyncEnumerable<InputLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        long lineNumber = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    lineNumber++;
                    yield return InputLine.Copy(line);
                }
                if (buffer.Length > MaxLineBytes)
                    throw new InvalidDataException($"input line {lineNumber + 1} is longer than {MaxLineBytes} bytes, the most one MQTT message can carry");
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty) yield return InputLine.Copy(buffer);
                    yield break;
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The lines of a text reader (for callers without a byte stream), each encoded as UTF-8.</summary>
    public static async IAsyncEnumerable<InputLine> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            if (text.Length == 0) { yield return default; continue; }
            var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
            yield return new InputLine(buffer, Encoding.UTF8.GetBytes(text, buffer));
        }
    }

    /// <summary>Takes the next complete line off <paramref name="buffer"/>; false when no line ending is left in it.</summary>
    internal static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is not { } end)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, end);
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        if (!line.IsEmpty && EndsWithCarriageReturn(line)) line = line.Slice(0, line.Length - 1);
        return true;
    }

    private static bool EndsWithCarriageReturn(in ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }
}

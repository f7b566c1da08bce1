namespace ZeroDepMqtt.Cli.Input;

/// <summary>
/// Splits a stream into lines the way <see cref="InputLines"/> describes, one block at a time: <see cref="ReadMoreAsync"/>
/// reads, then <see cref="TryReadLine"/> takes the lines of what was read without awaiting anything, so a caller pays
/// for one await per block (about a mebibyte), not per line.
/// </summary>
/// <remarks>
/// A line is a slice of its block, not a copy: the block goes back to the pool when the reader and every line in it are
/// done with it. The newline search covers only bytes not searched before, and a line longer than the free room moves
/// once into a block of at least twice its length, so a very long line costs linear time (each byte searched once,
/// copied fewer than two times on average).
/// </remarks>
internal sealed class InputLineReader(Stream stream, int blockBytes = InputLines.BlockBytes, int maxLineBytes = InputLines.MaxLineBytes,
    InputScanCounters? counters = null) : ILineSource
{
    private InputBlock? _block = InputBlock.Rent(blockBytes);
    // _start: where the unfinished line begins; _scanned: bytes before it hold no newline of that line; _end: bytes read.
    private int _start, _scanned, _end;
    private long _lineNumber;
    private bool _endOfInput, _finished;

    /// <summary>
    /// Reads more input; true when there is something for <see cref="TryReadLine"/> (including, once, the end of the
    /// input, which releases a last line without line ending), false after that. Call it when TryReadLine returns false.
    /// </summary>
    public async ValueTask<bool> ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_endOfInput) return false;
        var block = _block ?? throw new ObjectDisposedException(nameof(InputLineReader));
        if (_end == block.Bytes.Length)
        {
            // No room left: the unfinished line moves to a fresh block (the lines before it may still be in use).
            int partial = _end - _start;
            var next = InputBlock.Rent((int)Math.Min(Math.Max((long)partial * 2, blockBytes), (long)maxLineBytes + 2));
            block.Bytes.AsSpan(_start, partial).CopyTo(next.Bytes);
            if (counters is not null) counters.Copied += partial;
            block.Release();
            _block = block = next;
            _start = 0;
            _scanned = _end = partial;
        }
        int read = await stream.ReadAsync(block.Bytes.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0) _endOfInput = true;
        _end += read;
        return true;
    }

    /// <summary>The next line of what was read; false when more must be read first, or the input ended.</summary>
    /// <exception cref="InvalidDataException">A line is longer than the limit (<see cref="InputLines.MaxLineBytes"/>).</exception>
    public bool TryReadLine(out InputLine line)
    {
        line = default;
        var block = _block;
        if (_finished || block is null) return false;
        int newline = block.Bytes.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
        if (counters is not null) counters.Scanned += newline < 0 ? _end - _scanned : newline + 1;
        if (newline >= 0)
        {
            int at = _scanned + newline;
            int length = at - _start;
            if (length > 0 && block.Bytes[at - 1] == (byte)'\r') length--;
            if (length > maxLineBytes) throw TooLong(_lineNumber + 1);
            _lineNumber++;
            line = block.Line(_start, length);
            _start = _scanned = at + 1;
            return true;
        }
        _scanned = _end;
        int partial = _end - _start;
        // One byte more is fine when it is a \r: a \n may follow and drop it.
        if (partial > maxLineBytes && (_endOfInput || partial > maxLineBytes + 1 || block.Bytes[_end - 1] != (byte)'\r'))
            throw TooLong(_lineNumber + 1);
        if (!_endOfInput) return false;
        _finished = true;
        if (partial == 0) return false;
        _lineNumber++;
        line = block.Line(_start, partial);
        return true;
    }

    private InvalidDataException TooLong(long lineNumber)
        => new($"input line {lineNumber} is longer than {maxLineBytes} bytes, the most one MQTT message can carry");

    /// <summary>Lets go of the current block (lines still held keep theirs).</summary>
    public void Dispose()
    {
        _block?.Release();
        _block = null;
    }
}

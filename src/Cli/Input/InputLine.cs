namespace ZeroDepMqtt.Cli.Input;

/// <summary>One input line's bytes, without its line ending: a slice of a pooled read block (none for an empty line).
/// The owner calls <see cref="Return"/> exactly once, when nothing reads <see cref="Memory"/> any more.</summary>
public readonly struct InputLine
{
    private readonly InputBlock? _block;
    private readonly int _offset;

    internal InputLine(InputBlock block, int offset, int length)
    {
        _block = block;
        _offset = offset;
        Length = length;
    }

    /// <summary>The line's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The line's bytes.</summary>
    public ReadOnlyMemory<byte> Memory => _block is null ? ReadOnlyMemory<byte>.Empty : _block.Bytes.AsMemory(_offset, Length);

    /// <summary>Lets go of the line: its block goes back to the pool once no line in it is held any more.</summary>
    public void Return() => _block?.Release();
}

using System.Buffers;

namespace ZeroDepMqtt.Cli.Input;

/// <summary>
/// A read buffer rented from <see cref="ArrayPool{T}.Shared"/>, shared by the reader and the lines sliced from it: one
/// reference each. The last <see cref="Release"/> returns the array, so no line's bytes are reused while it is held.
/// </summary>
internal sealed class InputBlock
{
    private int _references = 1;

    private InputBlock(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    /// <summary>A block of at least <paramref name="length"/> bytes, held once by the caller.</summary>
    public static InputBlock Rent(int length) => new(ArrayPool<byte>.Shared.Rent(length));

    /// <summary>A line of this block, holding it once more; an empty line holds nothing.</summary>
    public InputLine Line(int offset, int length)
    {
        if (length == 0) return default;
        Interlocked.Increment(ref _references);
        return new InputLine(this, offset, length);
    }

    /// <summary>Drops one reference; the last one returns the array to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) ArrayPool<byte>.Shared.Return(Bytes);
    }
}

using System.Buffers;

namespace ZeroDepMqtt.Protocol.Tests.TestSupport;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that counts calls and hands out spans larger than asked for, pre-filled
/// with a sentinel, so a test can see a writer that asks twice, advances twice or writes past its length.
/// </summary>
internal sealed class CountingBufferWriter : IBufferWriter<byte>
{
    public const byte Sentinel = 0xCC;
    private const int Slack = 32;
    private byte[] _buffer = new byte[256];
    private int _written;
    private int _lastSpanLength;

    public int GetSpanCalls { get; private set; }
    public int GetMemoryCalls { get; private set; }
    public int AdvanceCalls { get; private set; }
    public int Written => _written;
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>True when every byte handed out but not advanced over still holds the sentinel.</summary>
    public bool SlackUntouched() => _buffer.AsSpan(_written, _lastSpanLength - (_written - _spanStart)).IndexOfAnyExcept(Sentinel) < 0;

    private int _spanStart;

    public void Advance(int count)
    {
        AdvanceCalls++;
        if (count < 0 || count > _lastSpanLength - (_written - _spanStart))
            throw new InvalidOperationException($"Advance({count}) beyond the span handed out");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        GetMemoryCalls++;
        return Reserve(sizeHint);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        GetSpanCalls++;
        return Reserve(sizeHint).Span;
    }

    private Memory<byte> Reserve(int sizeHint)
    {
        int size = Math.Max(sizeHint, 1) + Slack;
        if (_buffer.Length - _written < size) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _written + size));
        _buffer.AsSpan(_written, size).Fill(Sentinel);
        _spanStart = _written;
        _lastSpanLength = size;
        return _buffer.AsMemory(_written, size);
    }
}

namespace ZeroDepMqtt.Protocol;

/// <summary>
/// The Remaining Length field (MQTT 3.1.1 §2.2.3): 7 bits per byte, least significant group first,
/// bit 7 set when another byte follows, at most 4 bytes, so at most 268,435,455.
/// </summary>
public static class RemainingLength
{
    /// <summary>The largest value four bytes can carry.</summary>
    public const int Max = 268_435_455;

    /// <summary>How many bytes <paramref name="value"/> takes (1–4).</summary>
    public static int SizeOf(int value)
    {
        if ((uint)value > Max) ThrowHelper.ArgumentOutOfRange(nameof(value), $"Remaining Length {value} is outside 0..{Max} (MQTT-2.2.3).");
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    /// <summary>Writes the minimal encoding of <paramref name="value"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, int value)
    {
        int i = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0) b |= 0x80;
            destination[i++] = b;
        }
        while (value > 0);
        return i;
    }
}

using System.Buffers;

namespace ZeroDepMqtt.Protocol;

/// <summary>
/// One packet found by <see cref="MqttFrameReader"/>: its first byte and its body. The body is a slice of
/// the caller's buffer and is valid only until that buffer is released.
/// </summary>
public readonly struct MqttFrame
{
    /// <summary>Creates a frame.</summary>
    public MqttFrame(byte header, int headerLength, ReadOnlySequence<byte> body)
    {
        Header = header;
        HeaderLength = headerLength;
        Body = body;
    }

    /// <summary>The first byte: type in bits 7–4, flags in bits 3–0.</summary>
    public byte Header { get; }

    /// <summary>The packet type.</summary>
    public PacketType Type => (PacketType)(Header >> 4);

    /// <summary>The fixed-header flag bits.</summary>
    public byte Flags => (byte)(Header & 0x0F);

    /// <summary>Length of the fixed header (first byte plus Remaining Length bytes): the body's offset.</summary>
    public int HeaderLength { get; }

    /// <summary>The Remaining Length: variable header plus payload.</summary>
    public int RemainingLength => (int)Body.Length;

    /// <summary>The variable header and payload.</summary>
    public ReadOnlySequence<byte> Body { get; }

    /// <summary>A reader over the body, for the packet named <paramref name="packet"/>.</summary>
    public MqttReader CreateReader(string packet) => new(Body, HeaderLength, packet);
}

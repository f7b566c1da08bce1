using System.Buffers;

namespace ZeroDepMqtt.Protocol;

/// <summary>
/// Reads the variable header and payload of one packet. Every read checks the bytes left, so a
/// declared-but-absent length raises <see cref="MqttProtocolException"/> instead of reading past the body
/// or allocating for it. Offsets in errors count from the packet's first byte.
/// </summary>
public ref struct MqttReader
{
    private SequenceReader<byte> _reader;
    private readonly int _bodyOffset;
    private readonly string _packet;

    /// <summary>Reads <paramref name="body"/>, which starts <paramref name="bodyOffset"/> bytes into the packet.</summary>
    public MqttReader(ReadOnlySequence<byte> body, int bodyOffset, string packet)
    {
        _reader = new SequenceReader<byte>(body);
        _bodyOffset = bodyOffset;
        _packet = packet;
    }

    /// <summary>The offset of the next byte, counted from the packet's first byte.</summary>
    public readonly long Position => _bodyOffset + _reader.Consumed;

    /// <summary>Bytes left in the body.</summary>
    public readonly long Remaining => _reader.Remaining;

    /// <summary>The packet name used in error messages.</summary>
    public readonly string Packet => _packet;

    /// <summary>Reads one byte.</summary>
    public byte ReadByte(string field)
    {
        if (!_reader.TryRead(out byte b)) Truncated(field, 1);
        return b;
    }

    /// <summary>Reads a big-endian 16-bit integer (MQTT-1.5.2).</summary>
    public ushort ReadUInt16(string field)
    {
        if (!_reader.TryReadBigEndian(out short v)) Truncated(field, 2);
        return (ushort)v;
    }

    /// <summary>Reads a packet identifier and rejects 0 (MQTT-2.3.1-1).</summary>
    public ushort ReadPacketId()
    {
        long at = Position;
        ushort id = ReadUInt16("packet identifier");
        if (id == 0) ThrowHelper.Protocol(MqttErrorReason.ZeroPacketId, _packet, "packet identifier is 0", at, "MQTT-2.3.1-1");
        return id;
    }

    /// <summary>Reads a length-prefixed byte field (Will Message, Password) without copying.</summary>
    public ReadOnlySequence<byte> ReadBinary(string field)
    {
        // Not ReadUInt16(field + " length"): that concatenation allocated on every string read (found by the codec benchmark).
        if (!_reader.TryReadBigEndian(out short raw)) Truncated(field + " length", 2);
        int length = (ushort)raw;
        if (_reader.Remaining < length) Truncated(field, length);
        var slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return slice;
    }

    /// <summary>Reads a length-prefixed UTF-8 string and checks MQTT-1.5.3-1 and -2; returns the raw bytes.</summary>
    public ReadOnlyMemory<byte> ReadUtf8(string field, out long fieldOffset)
    {
        var raw = ReadBinary(field);
        fieldOffset = Position - raw.Length;
        // Strings are at most 65,535 bytes; copying a rare multi-segment one keeps callers span-based.
        ReadOnlyMemory<byte> bytes = raw.IsSingleSegment ? raw.First : raw.ToArray();
        int bad = MqttUtf8.FindInvalid(bytes.Span, out var reason);
        if (bad >= 0)
        {
            bool nul = reason == MqttErrorReason.NullCharacter;
            ThrowHelper.Protocol(reason, _packet,
                nul ? $"{field} contains U+0000" : $"{field} is not well-formed UTF-8",
                fieldOffset + bad, nul ? "MQTT-1.5.3-2" : "MQTT-1.5.3-1");
        }
        return bytes;
    }

    /// <summary>Reads a length-prefixed UTF-8 string as a <see cref="string"/>.</summary>
    public string ReadString(string field) => MqttUtf8.Decode(ReadUtf8(field, out _).Span);

    /// <summary>The rest of the body, without copying.</summary>
    public ReadOnlySequence<byte> ReadRest()
    {
        var rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    /// <summary>Throws when bytes are left over in a packet whose layout is complete.</summary>
    public readonly void ExpectEnd()
    {
        if (_reader.Remaining != 0)
            ThrowHelper.Protocol(MqttErrorReason.MalformedLength, _packet, $"{_reader.Remaining} unexpected trailing byte(s)", Position);
    }

    private readonly void Truncated(string field, int needed)
        => ThrowHelper.Protocol(MqttErrorReason.MalformedLength, _packet,
            $"{field} needs {needed} byte(s) but the Remaining Length leaves {_reader.Remaining}", Position);
}

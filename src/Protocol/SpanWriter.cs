using System.Buffers;
using System.Buffers.Binary;

namespace ZeroDepMqtt.Protocol;

/// <summary>
/// Writes into a span already sized to the exact packet length: packets compute their size first,
/// take one span, write, and advance once (see ../shared/STYLE.md item 3).
/// </summary>
internal ref struct SpanWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public SpanWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Position => _position;

    /// <summary>Writes the fixed header: first byte and Remaining Length.</summary>
    public void WriteFixedHeader(byte first, int remainingLength)
    {
        _span[_position++] = first;
        _position += RemainingLength.Write(_span[_position..], remainingLength);
    }

    public void WriteByte(byte value) => _span[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_span[_position..], value);
        _position += 2;
    }

    /// <summary>A length-prefixed field from bytes already validated.</summary>
    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        WriteUInt16((ushort)value.Length);
        WriteRaw(value);
    }

    /// <summary>A length-prefixed string whose byte count the caller already validated.</summary>
    public void WriteString(string value, int byteCount)
    {
        WriteUInt16((ushort)byteCount);
        _position += MqttUtf8.Encode(value, _span[_position..]);
    }

    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_span[_position..]);
        _position += value.Length;
    }

    public void WriteRaw(in ReadOnlySequence<byte> value)
    {
        value.CopyTo(_span[_position..]);
        _position += (int)value.Length;
    }
}

/// <summary>Helpers shared by packet writers.</summary>
internal static class PacketWriting
{
    /// <summary>Total packet size for a body of <paramref name="bodyLength"/> bytes.</summary>
    public static int PacketLength(int bodyLength)
    {
        if ((uint)bodyLength > RemainingLength.Max)
            ThrowHelper.Argument("packet", $"the packet body is {bodyLength} bytes; the Remaining Length allows at most {RemainingLength.Max} (MQTT-2.2.3).");
        return 1 + RemainingLength.SizeOf(bodyLength) + bodyLength;
    }

    public static void CheckPacketId(ushort packetId, string packet)
    {
        if (packetId == 0) ThrowHelper.ArgumentOutOfRange(nameof(packetId), $"{packet} needs a non-zero packet identifier (MQTT-2.3.1-1).");
    }

    /// <summary>Refuses QoS 3; <paramref name="specId"/> names the rule of the field (PUBLISH, Will, SUBSCRIBE).</summary>
    public static void CheckQoS(QualityOfService qos, string paramName, string specId = "MQTT-3.3.1-4")
    {
        if ((byte)qos > 2) ThrowHelper.ArgumentOutOfRange(paramName, $"QoS {(byte)qos} is not 0, 1 or 2 ({specId}).");
    }
}

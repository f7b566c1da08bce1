using System.Buffers.Binary;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>What a record holds.</summary>
internal enum CacheRecordType : byte
{
    /// <summary>An accepted message: its sequence number and payload.</summary>
    Message = 1,

    /// <summary>Every message up to the sequence number was acknowledged (no payload).</summary>
    Acknowledged = 2,

    /// <summary>The broker answered the QoS 2 message with this sequence number with PUBREC (no payload): a
    /// restarted process re-sends PUBREL for it, never the PUBLISH. Written by format version 2 (this one); version 1
    /// logs have none, and a version 1 program reads one as damage.</summary>
    Received = 3,

    /// <summary>The messages from the sequence number through the one in the 8-byte payload (little-endian,
    /// inclusive) were acknowledged, out of log order: written only by a log opened with per-record
    /// acknowledgement (format version 3). Version 1 and 2 programs read one as damage.</summary>
    AcknowledgedRange = 4,

    /// <summary>The QoS 2 message with this sequence number was handed to the client (no payload): its PUBLISH may
    /// have reached the broker, which then holds the flow, and its quota, until PUBREL. A restarted process re-sends
    /// such a message (DUP, same id) before any other, so that no flow stays held while newer ones exceed the quota.
    /// Written only by a log opened with per-record acknowledgement (resendAlterQueue), before the PUBLISH goes.
    /// Version 1 and 2 programs, and version 3 ones before this record, read one as damage.</summary>
    Sent = 5,
}

/// <summary>
/// The record format: <c>[u32 body length][u32 CRC-32C of length and body][body]</c>, body =
/// <c>[u8 type][u64 sequence][payload]</c>, little-endian. A length or checksum that does not fit marks the end of the
/// readable log: a torn write, zeros after a power cut, or flipped bits.
/// </summary>
internal static class CacheRecord
{
    public const int HeaderSize = 8;
    public const int BodyPrefix = 9;

    /// <summary>The largest payload: an MQTT packet's remaining length cannot exceed 268,435,455 bytes.</summary>
    public const int MaxPayload = 268_435_455;

    /// <summary>The payload of an <see cref="CacheRecordType.AcknowledgedRange"/> record: the range's last sequence number.</summary>
    public const int RangePayload = 8;

    public static int Size(int payloadLength) => HeaderSize + BodyPrefix + payloadLength;

    /// <summary>Writes one record into <paramref name="destination"/> (exactly <see cref="Size"/> bytes).</summary>
    public static void Write(Span<byte> destination, CacheRecordType type, long sequence, ReadOnlySpan<byte> payload)
    {
        int body = BodyPrefix + payload.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)body);
        destination[HeaderSize] = (byte)type;
        BinaryPrimitives.WriteInt64LittleEndian(destination[(HeaderSize + 1)..], sequence);
        payload.CopyTo(destination[(HeaderSize + BodyPrefix)..]);
        uint crc = Crc32C.Append(uint.MaxValue, destination[..4]);
        crc = ~Crc32C.Append(crc, destination.Slice(HeaderSize, body));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], crc);
    }

    /// <summary>The outcome of looking at the bytes where a record should start.</summary>
    public enum Parse { Ok, NeedMore, Invalid }

    /// <summary>Parses the record at the start of <paramref name="data"/>. <see cref="Parse.NeedMore"/> gives the
    /// total size needed in <paramref name="size"/> (<paramref name="data"/> may be the end of the file: then it is a torn tail).</summary>
    public static Parse TryRead(ReadOnlySpan<byte> data, out CacheRecordType type, out long sequence, out int size)
    {
        type = 0; sequence = 0; size = HeaderSize;
        if (data.Length < HeaderSize) return Parse.NeedMore;
        uint body = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (body < BodyPrefix || body > BodyPrefix + (uint)MaxPayload) return Parse.Invalid;
        size = HeaderSize + (int)body;
        if (data.Length < size) return Parse.NeedMore;
        uint crc = Crc32C.Append(uint.MaxValue, data[..4]);
        crc = ~Crc32C.Append(crc, data.Slice(HeaderSize, (int)body));
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(data[4..])) return Parse.Invalid;
        type = (CacheRecordType)data[HeaderSize];
        if (type is not (CacheRecordType.Message or CacheRecordType.Acknowledged or CacheRecordType.Received or CacheRecordType.AcknowledgedRange or CacheRecordType.Sent)) return Parse.Invalid;
        sequence = BinaryPrimitives.ReadInt64LittleEndian(data[(HeaderSize + 1)..]);
        if (sequence <= 0) return Parse.Invalid;
        if (type == CacheRecordType.AcknowledgedRange)
            return body == BodyPrefix + RangePayload && RangeEnd(data) >= sequence ? Parse.Ok : Parse.Invalid;
        if (type != CacheRecordType.Message && body != BodyPrefix) return Parse.Invalid;
        return Parse.Ok;
    }

    /// <summary>The last sequence number of the <see cref="CacheRecordType.AcknowledgedRange"/> record at the start of
    /// <paramref name="record"/>.</summary>
    public static long RangeEnd(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[(HeaderSize + BodyPrefix)..]);

    /// <summary>The payload of a record parsed with <see cref="TryRead"/>.</summary>
    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> record, int size) => record[(HeaderSize + BodyPrefix)..size];
}

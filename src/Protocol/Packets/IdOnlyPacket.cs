using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

// PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK share one layout: first byte, 0x02, packet id (MSB, LSB).
internal static class IdOnlyPacket
{
    public const int Length = 4;

    public static void Write(IBufferWriter<byte> writer, byte first, ushort packetId, string packet)
    {
        PacketWriting.CheckPacketId(packetId, packet);
        var span = writer.GetSpan(Length);
        span[0] = first;
        span[1] = 2;
        span[2] = (byte)(packetId >> 8);
        span[3] = (byte)packetId;
        writer.Advance(Length);
    }

    public static ushort Read(in MqttFrame frame, byte expectedFlags, string packet, MqttProtocolVersion version)
    {
        MqttFrameReader.CheckFlags(frame, expectedFlags, packet, version);
        if (frame.RemainingLength != 2)
            ThrowHelper.Protocol(MqttErrorReason.MalformedLength, packet, $"Remaining Length is {frame.RemainingLength}, must be 2", 1);
        var reader = frame.CreateReader(packet);
        return reader.ReadPacketId();
    }
}

using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

// PINGREQ, PINGRESP and DISCONNECT are a first byte and a zero Remaining Length.
internal static class EmptyPacket
{
    public static void Write(IBufferWriter<byte> writer, byte first)
    {
        var span = writer.GetSpan(2);
        span[0] = first;
        span[1] = 0;
        writer.Advance(2);
    }

    public static void Read(in MqttFrame frame, string packet, MqttProtocolVersion version)
    {
        MqttFrameReader.CheckFlags(frame, 0, packet, version);
        if (frame.RemainingLength != 0)
            ThrowHelper.Protocol(MqttErrorReason.MalformedLength, packet, $"Remaining Length is {frame.RemainingLength}, must be 0", 1);
    }
}

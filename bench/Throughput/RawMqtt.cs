using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// Blocking-socket MQTT for the subscriber and the raw ceiling: just enough to connect, subscribe and encode acks,
/// with the codec of ZeroDepMqtt.Protocol. Keep Alive is 0, so nothing but the measured traffic crosses the wire.
/// </summary>
internal static class RawMqtt
{
    public static Socket Connect(int port, string clientId)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 1 << 20, SendBufferSize = 1 << 20 };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        Send(socket, w => new Connect(MqttProtocolVersion.V311, clientId) { CleanSession = true, KeepAliveSeconds = 0 }.WriteTo(w));
        Span<byte> connAck = stackalloc byte[4];
        ReadExactly(socket, connAck);
        if (connAck[0] != ConnAck.FirstByte || connAck[3] != 0)
            throw new InvalidOperationException($"the broker refused {clientId}: CONNACK {Convert.ToHexString(connAck)}");
        return socket;
    }

    public static void Subscribe(Socket socket, string topic, QualityOfService qos)
    {
        Send(socket, w => new Subscribe(1, [new Subscription(topic, qos)]).WriteTo(w));
        Span<byte> subAck = stackalloc byte[5];
        ReadExactly(socket, subAck);
        if (subAck[0] != SubAck.FirstByte || subAck[4] != (byte)qos)
            throw new InvalidOperationException($"SUBSCRIBE {topic} at QoS {(int)qos} failed: SUBACK {Convert.ToHexString(subAck)}");
    }

    public static void Disconnect(Socket socket)
    {
        try { socket.Send([0xE0, 0x00]); socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        socket.Dispose();
    }

    public static void Send(Socket socket, Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        SendAll(socket, w.WrittenSpan);
    }

    public static void SendAll(Socket socket, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty) bytes = bytes[socket.Send(bytes)..];
    }

    public static void ReadExactly(Socket socket, Span<byte> into)
    {
        while (!into.IsEmpty)
        {
            int n = socket.Receive(into);
            if (n == 0) throw new IOException("the broker closed the connection");
            into = into[n..];
        }
    }

    /// <summary>Writes an id-only packet (PUBACK, PUBREC, PUBREL, PUBCOMP) into <paramref name="into"/> at <paramref name="at"/>.</summary>
    public static int WriteAck(byte[] into, int at, byte firstByte, ushort id)
    {
        into[at] = firstByte;
        into[at + 1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(into.AsSpan(at + 2), id);
        return at + 4;
    }

    /// <summary>The packet id of a QoS 1/2 PUBLISH body: after the topic's length-prefixed bytes.</summary>
    public static ushort PublishId(ReadOnlySpan<byte> body)
        => BinaryPrimitives.ReadUInt16BigEndian(body[(2 + BinaryPrimitives.ReadUInt16BigEndian(body))..]);

    /// <summary>A listening port for a broker child process: the tests' <c>LoopbackPorts</c> (no bind-then-close race with bind(0)).</summary>
    public static int FreePort() => ZeroDepMqtt.TestSupport.LoopbackPorts.Reserve();
}

using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// MQTT over a bare socket with the codec of ZeroDepMqtt.Protocol, for what must not depend on the client under test:
/// proving a broker works before the client exists (async, over a stream), and bench/'s subscriber and raw ceiling
/// (blocking calls; Keep Alive 0, so nothing but the measured traffic crosses the wire).
/// </summary>
public static class RawMqtt
{
    /// <summary>Opens a TCP connection to the broker.</summary>
    public static async Task<NetworkStream> OpenTcpAsync(MosquittoBroker broker, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(broker.Host, broker.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="connect"/> and returns the 4 bytes the broker answers (a CONNACK is 20 02 xx rc).</summary>
    public static async Task<byte[]> ConnectAsync(Stream stream, Connect connect, CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>();
        connect.WriteTo(buffer);
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        var answer = new byte[4];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await stream.ReadExactlyAsync(answer, timeout.Token);
        return answer;
    }

    /// <summary>A 3.1.1 CONNECT with a clean session.</summary>
    public static Connect V311(string clientId) => new(MqttProtocolVersion.V311, clientId);

    /// <summary>A blocking connection to 127.0.0.1:<paramref name="port"/> (1 MiB socket buffers, no Nagle), with a
    /// 3.1.1 clean-session CONNECT, Keep Alive 0, answered by a CONNACK that accepts it.</summary>
    /// <exception cref="InvalidOperationException">The broker refused; the message holds its CONNACK.</exception>
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

    /// <summary>Subscribes to one topic (packet id 1) and waits for a SUBACK granting <paramref name="qos"/>.</summary>
    /// <exception cref="InvalidOperationException">Another QoS (or 0x80) was granted; the message holds the SUBACK.</exception>
    public static void Subscribe(Socket socket, string topic, QualityOfService qos)
    {
        Send(socket, w => new Subscribe(1, [new Subscription(topic, qos)]).WriteTo(w));
        Span<byte> subAck = stackalloc byte[5];
        ReadExactly(socket, subAck);
        if (subAck[0] != SubAck.FirstByte || subAck[4] != (byte)qos)
            throw new InvalidOperationException($"SUBSCRIBE {topic} at QoS {(int)qos} failed: SUBACK {Convert.ToHexString(subAck)}");
    }

    /// <summary>Sends DISCONNECT when the socket still can, then closes it.</summary>
    public static void Disconnect(Socket socket)
    {
        try { socket.Send([0xE0, 0x00]); socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        socket.Dispose();
    }

    /// <summary>Encodes with <paramref name="write"/> and sends the bytes.</summary>
    public static void Send(Socket socket, Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        SendAll(socket, w.WrittenSpan);
    }

    /// <summary>Sends every byte (a blocking send may take only part).</summary>
    public static void SendAll(Socket socket, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty) bytes = bytes[socket.Send(bytes)..];
    }

    /// <summary>Fills <paramref name="into"/> from the socket.</summary>
    /// <exception cref="IOException">The broker closed the connection first.</exception>
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
}

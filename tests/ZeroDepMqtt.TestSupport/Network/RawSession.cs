using System.Buffers;
using System.Net.Sockets;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// A scripted MQTT 3.1.1 client on a bare socket, for proving what a real broker sends (and when) without the client
/// under test: every packet is written and read by the test, so acks can be withheld at will.
/// </summary>
public sealed class RawSession : IDisposable
{
    private readonly ScriptedConnection _connection;

    private RawSession(ScriptedConnection connection, bool sessionPresent)
    {
        _connection = connection;
        SessionPresent = sessionPresent;
    }

    /// <summary>The Session Present flag of the CONNACK.</summary>
    public bool SessionPresent { get; }

    /// <summary>Connects with Keep Alive 0 and waits for a CONNACK that accepts the connection.</summary>
    /// <exception cref="InvalidOperationException">The broker refused; the message holds its CONNACK.</exception>
    public static async Task<RawSession> ConnectAsync(MosquittoBroker broker, string clientId, bool cleanSession)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(broker.Host, broker.Port);
            var connection = new ScriptedConnection(socket);
            await connection.WriteAsync(Encode(w => new Connect(MqttProtocolVersion.V311, clientId) { CleanSession = cleanSession, KeepAliveSeconds = 0 }.WriteTo(w)));
            var (first, body) = await connection.ReadPacketAsync();
            if (first != ConnAck.FirstByte || body.Length != 2 || body[1] != 0)
                throw new InvalidOperationException($"the broker refused {clientId}: CONNACK {first:X2} {Convert.ToHexString(body)}");
            return new RawSession(connection, (body[0] & 1) != 0);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Subscribes to one filter (packet id 1) and waits for a SUBACK that grants <paramref name="qos"/>.</summary>
    public async Task SubscribeAsync(string filter, QualityOfService qos)
    {
        await WriteAsync(Encode(w => new Subscribe(1, [new Subscription(filter, qos)]).WriteTo(w)));
        var (first, body) = await ReadPacketAsync();
        if (first != SubAck.FirstByte || body.Length != 3 || body[2] != (byte)qos)
            throw new InvalidOperationException($"SUBSCRIBE {filter} at QoS {(int)qos} failed: {first:X2} {Convert.ToHexString(body)}");
    }

    /// <summary>Writes a QoS 2 PUBLISH with <paramref name="id"/> (DUP as given).</summary>
    public Task PublishQoS2Async(string topic, ushort id, byte[] payload, bool dup = false)
        => WriteAsync(Encode(w => new Publish(TopicName.Create(topic), payload, QualityOfService.ExactlyOnce, packetId: id, dup: dup).WriteTo(w)));

    /// <summary>Writes an id-only packet: PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70.</summary>
    public Task WriteAckAsync(byte firstByte, ushort id) => WriteAsync([firstByte, 0x02, (byte)(id >> 8), (byte)id]);

    /// <summary>Reads the next packet.</summary>
    public Task<(byte First, byte[] Body)> ReadPacketAsync(TimeSpan? timeout = null) => _connection.ReadPacketAsync(timeout);

    /// <summary>
    /// Writes PINGREQ and returns every packet read before its PINGRESP. The broker handles one connection's packets in
    /// order and queues its answers in order, so what it sends because of anything written before arrives first.
    /// </summary>
    public async Task<List<(byte First, byte[] Body)>> PingAsync()
    {
        await WriteAsync(0xC0, 0x00);
        var before = new List<(byte First, byte[] Body)>();
        while (true)
        {
            var packet = await ReadPacketAsync();
            if (packet.First == 0xD0) return before;
            before.Add(packet);
        }
    }

    /// <summary>Writes raw bytes.</summary>
    public Task WriteAsync(params byte[] bytes) => _connection.WriteAsync(bytes);

    /// <summary>Closes the socket without DISCONNECT (the broker keeps a durable session as after a lost connection).</summary>
    public void Dispose() => _connection.Dispose();

    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        return w.WrittenSpan.ToArray();
    }
}

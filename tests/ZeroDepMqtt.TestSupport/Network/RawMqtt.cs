using System.Buffers;
using System.Net.Sockets;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.TestSupport;

/// <summary>Just enough MQTT to prove a connection works before the client exists: send CONNECT, read CONNACK.</summary>
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
}

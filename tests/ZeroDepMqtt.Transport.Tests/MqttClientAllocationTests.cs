using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>Runs alone: the allocation count is process-wide, so no other test may run meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "allocation (runs alone)";
}

/// <summary>
/// The publish path through <see cref="MqttClient"/> allocates nothing per message in steady state (QoS 0 and 1; batches at QoS 0, 1 and 2), measured
/// over all threads with <see cref="GC.GetTotalAllocatedBytes(bool)"/>: the client's loops run on other threads. The
/// broker is an in-process responder that allocates nothing per packet either, so every byte counted is the client's
/// (or the runtime's: timers, thread pool), and the bound is a ratio over 100,000 messages, not a time. The caller
/// awaits once per window of 256: an await that suspends costs one thread-pool work item (about 40 bytes, the
/// completion's asynchronous continuation), which is per wait, not per message.
/// </summary>
[Collection(AllocationCollection.Name)]
public sealed class MqttClientAllocationTests(ITestOutputHelper output)
{
    private const int WarmUp = 20_000;
    private const int Measured = 100_000;
    private const int Window = 256;
    private const int Rounds = 3;

    [Theory]
    [InlineData(QualityOfService.AtMostOnce, false, 16, 256)]
    [InlineData(QualityOfService.AtLeastOnce, false, 16, 256)]
    [InlineData(QualityOfService.AtMostOnce, true, 16, 256)]
    [InlineData(QualityOfService.AtLeastOnce, true, 16, 256)]
    [InlineData(QualityOfService.ExactlyOnce, true, 16, 256)]
    // 1 MB outstanding: more than the output's high-water mark and than the shared array pool keeps, so encoding must
    // stop at the mark rather than put the whole burst into pipe segments (which the pool then drops).
    [InlineData(QualityOfService.AtMostOnce, false, 1024, 1024)]
    public async Task Steady_state_publishing_allocates_less_than_one_byte_per_message(QualityOfService qos, bool batched, int size, int window)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var responder = new Thread(() => Respond(listener)) { IsBackground = true, Name = "allocation-free broker" };
        responder.Start();
        await using var client = new MqttClient(new MqttClientOptions
        {
            Broker = new BrokerAddress("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, useTls: false),
            ClientId = "alloc",
            KeepAliveSeconds = 0,
            CleanSession = true,
            MaxInFlightQoS2 = Window,   // the responder has no QoS 2 quota
            MaxQueuedMessages = Math.Max(10_000, window),
        });
        await client.ConnectAsync();
        var topic = TopicName.Create("alloc/t");
        var payload = new byte[size];
        var pending = new ValueTask[window];
        // Batched: one PublishManyAsync of a window's messages, awaited before the next (one completion per batch).
        ReadOnlyMemory<byte>[]? batch = batched ? Enumerable.Repeat((ReadOnlyMemory<byte>)payload, Window).ToArray() : null;

        await PublishAsync(client, topic, payload, qos, pending, batch, WarmUp);
        // The least of three rounds: a one-off of the runtime (thread-pool growth, a tier-1 recompile) lands in one
        // round; an allocation per message would be in all three.
        var rounds = new long[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await PublishAsync(client, topic, payload, qos, pending, batch, Measured);
            rounds[r] = GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        long allocated = rounds.Min();

        double perMessage = (double)allocated / Measured;
        output.WriteLine($"QoS {(int)qos}{(batched ? ", batches" : "")}, {size} B, window {window}: bytes allocated per round of {Measured} messages after {WarmUp} of warm-up: {string.Join(", ", rounds)}; "
                       + $"least {perMessage:0.###} bytes per message");
        Assert.True(perMessage < 1, $"{perMessage:0.###} bytes allocated per message in the best of {Rounds} rounds ({string.Join(", ", rounds)} bytes)");
        await client.DisconnectAsync();
    }

    private static async Task PublishAsync(MqttClient client, TopicName topic, byte[] payload, QualityOfService qos, ValueTask[] pending, ReadOnlyMemory<byte>[]? batch, int count)
    {
        if (batch is not null)
        {
            for (int sent = 0; sent < count; sent += batch.Length) await client.PublishManyAsync(topic, batch, qos);
            return;
        }
        for (int sent = 0; sent < count; sent += pending.Length)
        {
            int n = Math.Min(pending.Length, count - sent);
            for (int i = 0; i < n; i++) pending[i] = client.PublishAsync(topic, payload, qos);
            // The last first: the others complete before it (acks come in order), so only one await per window suspends.
            // Each await that suspends costs a thread-pool work item (the completion runs its continuation
            // asynchronously, never inside the client's lock): that is per wait, not per message.
            await pending[n - 1];
            for (int i = 0; i < n - 1; i++) await pending[i];
        }
    }

    /// <summary>CONNACK for CONNECT, PUBACK for each QoS 1 PUBLISH, PUBREC for QoS 2 and PUBCOMP for PUBREL, nothing for QoS 0; fixed buffers, blocking calls on
    /// its own thread, so it allocates nothing per packet. Ends when the client closes.</summary>
    private static void Respond(TcpListener listener)
    {
        using var socket = listener.AcceptSocket();
        socket.NoDelay = true;
        var input = new byte[256 * 1024];
        var acks = new byte[64 * 1024];
        int filled = 0;
        try
        {
            while (true)
            {
                int read = socket.Receive(input, filled, input.Length - filled, SocketFlags.None);
                if (read == 0) return;
                filled += read;
                int at = 0, ackBytes = 0;
                while (TryFrame(input, at, filled, out int header, out int length))
                {
                    byte first = input[at];
                    int body = at + header;
                    if ((first & 0xF0) == 0x10)
                    {
                        acks[ackBytes++] = 0x20; acks[ackBytes++] = 0x02; acks[ackBytes++] = 0x00; acks[ackBytes++] = 0x00;
                    }
                    else if ((first & 0xF0) == 0x30 && ((first >> 1) & 3) == 1)
                    {
                        int topicLength = (input[body] << 8) | input[body + 1];
                        acks[ackBytes++] = 0x40; acks[ackBytes++] = 0x02;
                        acks[ackBytes++] = input[body + 2 + topicLength]; acks[ackBytes++] = input[body + 3 + topicLength];
                    }
                    else if ((first & 0xF0) == 0x30 && ((first >> 1) & 3) == 2)
                    {
                        int topicLength = (input[body] << 8) | input[body + 1];
                        acks[ackBytes++] = 0x50; acks[ackBytes++] = 0x02;
                        acks[ackBytes++] = input[body + 2 + topicLength]; acks[ackBytes++] = input[body + 3 + topicLength];
                    }
                    else if (first == 0x62)
                    {
                        acks[ackBytes++] = 0x70; acks[ackBytes++] = 0x02; acks[ackBytes++] = input[body]; acks[ackBytes++] = input[body + 1];
                    }
                    at += header + length;
                    if (ackBytes > acks.Length - 8) { socket.Send(acks, 0, ackBytes, SocketFlags.None); ackBytes = 0; }
                }
                if (ackBytes > 0) socket.Send(acks, 0, ackBytes, SocketFlags.None);
                Buffer.BlockCopy(input, at, input, 0, filled - at);
                filled -= at;
            }
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Whether a whole packet starts at <paramref name="at"/>: its fixed-header size and remaining length.</summary>
    private static bool TryFrame(byte[] buffer, int at, int end, out int header, out int length)
    {
        header = length = 0;
        int shift = 0, i = at + 1;
        while (true)
        {
            if (i >= end) return false;
            byte b = buffer[i++];
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
            shift += 7;
        }
        header = i - at;
        return at + header + length <= end;
    }
}

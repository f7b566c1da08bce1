using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/ZeroDepMqtt.Benchmarks -- cached-sink-alloc [dir]</c>: bytes allocated per
/// message by the whole process on the disk cache's path (accept into the log with <c>cacheSync: always</c>, group
/// commit, the forwarder reading the log and publishing, the acknowledgement moving the watermark), at QoS 0 and 1,
/// 64-byte payloads, to an in-process listener that answers CONNECT and every QoS 1 PUBLISH with PUBACK. 10,000
/// accepts outstanding (zdmqtt publish's window); only the steady state counts (after 100,000 warm-up messages).
/// </summary>
public static class CachedSinkAllocationCheck
{
    public static void Run(string? root)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(() => AcceptAndAcknowledge(listener));
        string dir = Path.Combine(root ?? Path.GetTempPath(), $"zdmqtt-cached-alloc-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(dir);
            int round = 0;
            foreach (int qos in new[] { 0, 1, 0, 1 })
            {
                var (perMessage, commits) = Measure(port, qos, Path.Combine(dir, $"r{round++}")).GetAwaiter().GetResult();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"QoS {qos}: {perMessage:0.000} B/msg allocated (whole process), {commits:0} records per fsync"));
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(double PerMessage, double RecordsPerFsync)> Measure(int port, int qos, string cache)
    {
        var settings = MqttSinkConfig.Parse($$"""
            {"server": "tcp://127.0.0.1:{{port}}", "protocolVersion": "3.1.1", "qos": {{qos}}, "clientId": "cached-alloc", "topic": "t/cached",
             "enableCache": true, "cacheSync": "always", "cachePath": "{{cache}}"}
            """).GetSettingsOrThrow();
        var payload = new byte[64];
        await using var sink = new MqttSink(settings);
        await sink.StartAsync();
        var window = new Queue<ValueTask>(10_000);
        const int warmup = 100_000, measured = 1_000_000;
        long before = 0;
        for (int i = 0; i < warmup + measured; i++)
        {
            if (i == warmup) before = GC.GetTotalAllocatedBytes(precise: true);
            if (window.Count == 10_000) await window.Dequeue();
            window.Enqueue(sink.PublishAsync(payload));
        }
        while (window.Count > 0) await window.Dequeue();
        // Accepted is not delivered: count until the forwarder has sent (and, at QoS 1, had acknowledged) them all.
        while (sink.DiskCache!.Pending > 0) await Task.Delay(10);
        double perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)measured;
        var (fsyncs, records) = sink.CacheSyncStats;
        await sink.CompleteAsync();
        return (perMessage, fsyncs == 0 ? 0 : (double)records / fsyncs);
    }

    // A broker that routes nothing: CONNACK for CONNECT, PUBACK for each QoS 1 PUBLISH, everything else dropped.
    private static async Task AcceptAndAcknowledge(TcpListener listener)
    {
        while (true)
        {
            var socket = await listener.AcceptSocketAsync();
            _ = Task.Run(async () =>
            {
                var buffer = new byte[1 << 16];
                var acks = new byte[1 << 16];
                int have = 0;
                try
                {
                    while (true)
                    {
                        int n = await socket.ReceiveAsync(buffer.AsMemory(have));
                        if (n == 0) break;
                        have += n;
                        int at = 0, acked = 0;
                        while (TryFrame(buffer.AsSpan(at, have - at), out int header, out int length))
                        {
                            byte type = buffer[at];
                            var body = buffer.AsSpan(at + header, length);
                            if (type >> 4 == 1) { acks[acked++] = 0x20; acks[acked++] = 2; acks[acked++] = 0; acks[acked++] = 0; }
                            else if (type >> 4 == 3 && ((type >> 1) & 3) == 1 && acked + 4 <= acks.Length)
                            {
                                int topic = BinaryPrimitives.ReadUInt16BigEndian(body);
                                acks[acked++] = 0x40; acks[acked++] = 2;
                                acks[acked++] = body[2 + topic]; acks[acked++] = body[3 + topic];
                            }
                            at += header + length;
                            if (acked + 4 > acks.Length) { await socket.SendAsync(acks.AsMemory(0, acked)); acked = 0; }
                        }
                        if (acked > 0) await socket.SendAsync(acks.AsMemory(0, acked));
                        buffer.AsSpan(at, have - at).CopyTo(buffer);
                        have -= at;
                    }
                }
                catch (SocketException) { }
                finally { socket.Dispose(); }
            });
        }
    }

    private static bool TryFrame(ReadOnlySpan<byte> data, out int header, out int length)
    {
        header = length = 0;
        int multiplier = 1;
        for (int i = 1; i < Math.Min(data.Length, 5); i++)
        {
            length += (data[i] & 0x7F) * multiplier;
            multiplier <<= 7;
            if ((data[i] & 0x80) == 0)
            {
                header = i + 1;
                return data.Length >= header + length;
            }
        }
        return false;
    }
}

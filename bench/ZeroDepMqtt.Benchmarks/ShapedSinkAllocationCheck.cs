using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/ZeroDepMqtt.Benchmarks -- shaped-sink-alloc</c>: bytes allocated per message
/// by the whole process while an <see cref="MqttSink"/> publishes 64-byte lines, plain (fixed topic) and shaped (issue
/// 14's case: topic <c>t/{{.device}}</c>, <c>fields</c>), at QoS 0 to an in-process listener that accepts the
/// connection and discards what it reads. Keeps as many publishes outstanding as <c>zdmqtt publish</c> does at QoS 0
/// (the client's queue), and counts only the steady state (after 200,000 warm-up messages). Each one by one
/// (<c>PublishAsync</c>) and in batches of 2,048 (<c>PublishManyAsync</c>, as <c>zdmqtt publish</c> hands over its lines).
/// </summary>
public static class ShapedSinkAllocationCheck
{
    public static void Run()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(() => AcceptAndDiscard(listener));
        for (int round = 0; round < 2; round++)
            foreach (bool batched in new[] { false, true })
                foreach (bool shaped in new[] { false, true })
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{(shaped ? "shaped" : "plain"),-8} {(batched ? "batches" : "single"),-8} {Measure(port, shaped, batched).GetAwaiter().GetResult():0.000} B/msg allocated (whole process)"));
    }

    private static async Task<double> Measure(int port, bool shaped, bool batched)
    {
        string shaping = shaped ? """, "topic": "t/{{.device}}", "fields": ["device", "t", "h"]""" : """, "topic": "t/plain" """;
        var settings = MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:{{port}}", "protocolVersion": "3.1.1", "qos": 0, "clientId": "alloc-{{shaped}}"{{shaping}}}""").GetSettingsOrThrow();
        var lines = Enumerable.Range(0, 16).Select(i =>
        {
            string line = $"{{\"device\":\"d{i:00}\",\"t\":21.5,\"h\":40.25,\"pad\":\"";
            return Encoding.UTF8.GetBytes(line + new string('x', 64 - line.Length - 2) + "\"}");
        }).ToArray();
        await using var sink = new MqttSink(settings);
        await sink.StartAsync();
        // What the client takes at QoS 0 without waiting (zdmqtt publish's window): more would wait for queue room, each
        // waiter an object of its own.
        int capacity = new MqttSinkRuntimeOptions().MaxQueuedMessages;
        var window = new Queue<ValueTask>(capacity);
        const int warmup = 200_000, measured = 2_000_000;
        if (batched) return await MeasureBatches(sink, lines, capacity, warmup, measured);
        long before = 0;
        for (int i = 0; i < warmup + measured; i++)
        {
            if (i == warmup) before = GC.GetTotalAllocatedBytes(precise: true);
            if (window.Count == capacity) await window.Dequeue();
            window.Enqueue(sink.PublishAsync(lines[i & 15]));
        }
        while (window.Count > 0) await window.Dequeue();
        double perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)measured;
        await sink.CompleteAsync();
        return perMessage;
    }

    // As zdmqtt publish's batched mode: batches of 2,048 lines, as many outstanding as the queue holds. The lines never
    // change, so one array serves every batch.
    private static async Task<double> MeasureBatches(MqttSink sink, byte[][] lines, int capacity, int warmup, int measured)
    {
        const int size = 2048;
        var batch = Enumerable.Range(0, size).Select(i => (ReadOnlyMemory<byte>)lines[i & 15]).ToArray();
        var window = new Queue<ValueTask>(capacity / size);
        long before = 0;
        int sent = 0, startAt = -1;
        for (; sent < warmup + measured; sent += size)
        {
            if (startAt < 0 && sent >= warmup) { startAt = sent; before = GC.GetTotalAllocatedBytes(precise: true); }
            if (window.Count == capacity / size) await window.Dequeue();
            window.Enqueue(sink.PublishManyAsync(batch));
        }
        while (window.Count > 0) await window.Dequeue();
        double perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)(sent - startAt);
        await sink.CompleteAsync();
        return perMessage;
    }

    private static async Task AcceptAndDiscard(TcpListener listener)
    {
        while (true)
        {
            var socket = await listener.AcceptSocketAsync();
            _ = Task.Run(async () =>
            {
                var buffer = new byte[1 << 16];
                bool connected = false;
                try
                {
                    while (true)
                    {
                        int n = await socket.ReceiveAsync(buffer);
                        if (n == 0) break;
                        // The first bytes are the CONNECT: accept it; everything after is QoS 0 PUBLISH, read and dropped.
                        if (!connected) { connected = true; await socket.SendAsync(new byte[] { 0x20, 0x02, 0x00, 0x00 }); }
                    }
                }
                catch (SocketException) { }
                finally { socket.Dispose(); }
            });
        }
    }
}

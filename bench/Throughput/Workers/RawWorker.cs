using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Packets;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// The ceiling: what the broker takes from one connection when the client costs next to nothing. PUBLISH packets
/// are encoded once into a block of about 64 KB, only their packet ids patched, and written with blocking sends;
/// a second thread reads acks (answering PUBREC with PUBREL) and opens the window (QoS 1: 4,096; QoS 2: 256).
/// </summary>
internal static class RawWorker
{
    private const int BlockBytes = 64 * 1024;

    public static WorkerResult Run(WorkerArgs a)
    {
        var socket = RawMqtt.Connect(a.Port, "bench-raw");
        var acks = a.QoS == QualityOfService.AtMostOnce ? null : new AckReader(socket);
        int window = a.Window > 0 ? a.Window : a.QoS == QualityOfService.ExactlyOnce ? 256 : 4096;
        long sentTotal = 0;
        var payload = a.Payload();
        Phase(socket, acks, a.WarmupTopic, payload, a.QoS, a.Warmup, window, ref sentTotal);
        var meter = new PhaseMeter();
        meter.Start();
        Phase(socket, acks, a.Topic, payload, a.QoS, a.Count, window, ref sentTotal);
        var result = meter.Stop();
        RawMqtt.Disconnect(socket);
        return result;
    }

    private static void Phase(Socket socket, AckReader? acks, string topic, byte[] payload, QualityOfService qos, int count, int window, ref long sentTotal)
    {
        var one = new ArrayBufferWriter<byte>();
        new Publish(TopicName.Create(topic), (ReadOnlyMemory<byte>)payload, qos, retain: false, packetId: qos == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)1).WriteTo(one);
        int size = one.WrittenCount;
        var probe = new ReadOnlySequence<byte>(one.WrittenMemory);
        MqttFrameReader.TryRead(ref probe, int.MaxValue, out var frame);
        int idOffset = frame.HeaderLength + 2 + System.Text.Encoding.UTF8.GetByteCount(topic);

        // With acks, blocks of a sixteenth of the window keep the pipe full: waiting for a quarter to drain left
        // the QoS 2 ceiling idle between blocks.
        int perBlock = Math.Max(1, BlockBytes / size);
        if (acks is not null) perBlock = Math.Max(1, Math.Min(perBlock, window / 16));
        var block = new byte[perBlock * size];
        for (int k = 0; k < perBlock; k++) one.WrittenSpan.CopyTo(block.AsSpan(k * size));

        long start = sentTotal;
        for (long sent = 0; sent < count;)
        {
            int n = (int)Math.Min(perBlock, count - sent);
            if (acks is not null)
            {
                acks.WaitForCompleted(start + sent + n - window);
                for (int k = 0; k < n; k++)
                    BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(k * size + idOffset), (ushort)((start + sent + k) % 65_535 + 1));
                lock (acks.SendLock) RawMqtt.SendAll(socket, block.AsSpan(0, n * size));
            }
            else
            {
                RawMqtt.SendAll(socket, block.AsSpan(0, n * size));
            }
            sent += n;
        }
        sentTotal += count;
        acks?.WaitForCompleted(sentTotal);
    }

    /// <summary>Reads PUBACK / PUBREC / PUBCOMP; answers PUBREC with PUBREL; counts final acks.</summary>
    private sealed class AckReader
    {
        private readonly Socket _socket;
        private readonly object _gate = new();
        private long _completed;

        public AckReader(Socket socket)
        {
            _socket = socket;
            new Thread(Loop) { IsBackground = true, Name = "raw acks" }.Start();
        }

        public object SendLock { get; } = new();

        public void WaitForCompleted(long target)
        {
            lock (_gate)
            {
                while (_completed < target) Monitor.Wait(_gate);
            }
        }

        private void Loop()
        {
            var buffer = new byte[1 << 18];
            var replies = new byte[1 << 18];
            int have = 0;
            try
            {
                while (true)
                {
                    int n = _socket.Receive(buffer, have, buffer.Length - have, SocketFlags.None);
                    if (n == 0) break;
                    have += n;
                    var seq = new ReadOnlySequence<byte>(buffer, 0, have);
                    int done = 0, replyBytes = 0;
                    while (MqttFrameReader.TryRead(ref seq, MqttFrameReader.DefaultMaxPacketSize, out var frame))
                    {
                        if (frame.Type is PacketType.PubAck or PacketType.PubComp) done++;
                        else if (frame.Type == PacketType.PubRec)
                            replyBytes = RawMqtt.WriteAck(replies, replyBytes, 0x62, BinaryPrimitives.ReadUInt16BigEndian(frame.Body.FirstSpan));
                    }
                    if (replyBytes > 0) lock (SendLock) RawMqtt.SendAll(_socket, replies.AsSpan(0, replyBytes));
                    if (done > 0) lock (_gate) { _completed += done; Monitor.PulseAll(_gate); }
                    int rest = (int)seq.Length;
                    Buffer.BlockCopy(buffer, have - rest, buffer, 0, rest);
                    have = rest;
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            // The connection ended: release a writer that waits, so the worker exits and the run reports the shortfall.
            lock (_gate) { _completed = long.MaxValue / 2; Monitor.PulseAll(_gate); }
        }
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>
/// Shaped messages the client may still read. The shaper writes each payload into per-thread scratch that the next
/// message overwrites, so a payload the client keeps (queued, or in flight until acknowledged) is copied into a
/// chunked arena first; the client's tasks wait here in publish order, and one drain loop takes them off the front
/// as they end, frees their bytes and ends their tickets (<see cref="WriteTickets"/>). The caller awaits the ticket:
/// a counter it can poll, like a plain publish, instead of an async wrapper, a pooled buffer and a thread-pool hop
/// per message. A publish the client finished at once (QoS 0 written in the call, or refused) is returned as it is
/// and keeps no bytes. Thread-safe.
/// </summary>
internal sealed class ShapedPublishes
{
    private const int ChunkBytes = 64 * 1024;

    private sealed class Chunk(byte[] bytes)
    {
        public readonly byte[] Bytes = bytes;
        public int Used;   // bytes [0, Used) may belong to live messages; the rest is free
        public int Live;   // messages whose payload is in this chunk and has not ended
    }

    private readonly object _gate = new();
    private readonly WriteTickets _tickets;
    private readonly Queue<(ValueTask Publish, Chunk Chunk)> _pending = new();
    private readonly Queue<Chunk> _chunks = new();   // chunks with live messages, oldest first; the newest is written
    private Chunk? _current;
    private Chunk? _spare;
    private bool _draining;

    public ShapedPublishes() => _tickets = new WriteTickets(_gate);

    /// <summary>Publishes a copy of <paramref name="payload"/> (free again when this returns); the task completes when
    /// the client's publish did, with its error.</summary>
    public ValueTask Publish(MqttClient client, TopicName topic, ReadOnlySpan<byte> payload, QualityOfService qos, bool retain)
    {
        ValueTask ticket;
        lock (_gate)
        {
            var chunk = ChunkFor(payload.Length);
            var memory = chunk.Bytes.AsMemory(chunk.Used, payload.Length);
            payload.CopyTo(memory.Span);
            // Under the lock: tickets are issued in the order the client accepted the publishes.
            ValueTask publish;
            try
            {
                publish = client.PublishAsync(topic, memory, qos, retain, CancellationToken.None);
            }
            catch (Exception e)
            {
                // A payload too large for one packet: this message fails, as its own task (the others of its input go on).
                return ValueTask.FromException(e);
            }
            // Done already: the client no longer reads the bytes, so they stay free.
            if (publish.IsCompleted) return publish;
            chunk.Used += payload.Length;
            chunk.Live++;
            _pending.Enqueue((publish, chunk));
            ticket = _tickets.Issue();
            if (_draining) return ticket;
            _draining = true;
        }
        _ = DrainAsync();
        return ticket;
    }

    // One loop per burst: it ends every finished publish at the front, then awaits the oldest unfinished one, and stops
    // when none is left. Only it consumes the client's tasks, each exactly once.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DrainAsync()
    {
        while (true)
        {
            ValueTask oldest;
            lock (_gate)
            {
                while (_pending.TryPeek(out var front) && front.Publish.IsCompleted)
                {
                    _pending.Dequeue();
                    Exception? error = null;
                    try { front.Publish.GetAwaiter().GetResult(); } catch (Exception e) { error = e; }
                    EndLocked(front.Chunk, error);
                }
                if (_pending.Count == 0) { _draining = false; return; }
                oldest = _pending.Peek().Publish;
            }
            Exception? failure = null;
            try { await oldest.ConfigureAwait(false); } catch (Exception e) { failure = e; }
            lock (_gate) EndLocked(_pending.Dequeue().Chunk, failure);
        }
    }

    private void EndLocked(Chunk chunk, Exception? failure)
    {
        if (--chunk.Live == 0)
        {
            if (ReferenceEquals(chunk, _current)) chunk.Used = 0;
            else
            {
                // Messages end in the order they took their bytes, so an emptied older chunk is the oldest one.
                _chunks.Dequeue();
                Recycle(chunk);
            }
        }
        _tickets.OnEnded(failure);
    }

    private Chunk ChunkFor(int length)
    {
        if (_current is { } current && current.Bytes.Length - current.Used >= length) return current;
        Chunk next;
        if (length <= ChunkBytes && _spare is { } spare) { next = spare; _spare = null; }
        else next = new Chunk(ArrayPool<byte>.Shared.Rent(Math.Max(length, ChunkBytes)));
        if (_current is { Live: 0 } idle)
        {
            // Nothing live in the one being replaced: drop it from the queue (it is its newest and only entry).
            _chunks.Clear();
            Recycle(idle);
        }
        _chunks.Enqueue(next);
        _current = next;
        return next;
    }

    private void Recycle(Chunk chunk)
    {
        chunk.Used = 0;
        if (_spare is null && chunk.Bytes.Length == ChunkBytes) _spare = chunk;
        else ArrayPool<byte>.Shared.Return(chunk.Bytes);
    }
}

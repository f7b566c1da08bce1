using System.Buffers;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>
/// The messages many inputs became, gathered for one client batch call. The shaper writes payloads into per-thread
/// scratch that the next input overwrites, so those are copied into chunks this batch owns; a payload that is a slice
/// of its input (or a freshly compressed array) is referred to as it is. Chunks are never moved or grown, so every
/// slice handed out stays valid until <see cref="Reset"/>, which the owner calls only after the client's task ended.
/// Pooled by <see cref="ShapedBatchPool"/>; one user at a time.
/// </summary>
internal sealed class ShapedBatch
{
    // One chunk holds a whole zdmqtt batch (2,048 lines) of shaped payloads up to 64 bytes, so the steady state rents none.
    private const int ChunkBytes = 128 * 1024;

    private MqttOutgoingMessage[] _messages = new MqttOutgoingMessage[64];
    private readonly List<byte[]> _chunks = [];
    private int _used;   // bytes taken in the last chunk

    public int Count { get; private set; }

    public ReadOnlyMemory<MqttOutgoingMessage> Messages => _messages.AsMemory(0, Count);

    /// <summary>Length of the payload added last.</summary>
    public int LastLength => _messages[Count - 1].Payload.Length;

    /// <summary>Adds a message whose payload stays valid until the batch ends (the caller's input, or its own array).</summary>
    public void Add(TopicName topic, ReadOnlyMemory<byte> payload)
    {
        if (Count == _messages.Length) Array.Resize(ref _messages, Count * 2);
        _messages[Count++] = new MqttOutgoingMessage(topic, payload);
    }

    /// <summary>Adds a message with a copy of <paramref name="payload"/> in the batch's own chunks.</summary>
    public void AddCopy(TopicName topic, ReadOnlySpan<byte> payload)
    {
        if (_chunks.Count == 0 || _chunks[^1].Length - _used < payload.Length)
        {
            _chunks.Add(ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, ChunkBytes)));
            _used = 0;
        }
        var memory = _chunks[^1].AsMemory(_used, payload.Length);
        payload.CopyTo(memory.Span);
        _used += payload.Length;
        Add(topic, memory);
    }

    /// <summary>Forgets the messages (no reference to the caller's memory is kept) and frees all chunks but one.</summary>
    public void Reset()
    {
        Array.Clear(_messages, 0, Count);
        Count = 0;
        _used = 0;
        for (int i = _chunks.Count - 1; i >= 0; i--)
        {
            if (i == 0 && _chunks[0].Length == ChunkBytes) break;   // the usual one chunk stays for the next batch
            ArrayPool<byte>.Shared.Return(_chunks[i]);
            _chunks.RemoveAt(i);
        }
    }
}

/// <summary>A small pool of <see cref="ShapedBatch"/>: a steady stream of batches reuses the same few. Thread-safe.</summary>
internal sealed class ShapedBatchPool
{
    // zdmqtt publish keeps about 5 batches of 2,048 outstanding (its window is the client's queue plus what is in
    // flight), a caller with batches of 512 about 20; fewer pooled would allocate a batch (its message array, its first
    // chunk) per call in the steady state. Only as many as were outstanding at once are ever built.
    private const int Max = 32;
    private readonly Stack<ShapedBatch> _free = new();

    public ShapedBatch Rent()
    {
        lock (_free) return _free.TryPop(out var batch) ? batch : new ShapedBatch();
    }

    public void Return(ShapedBatch batch)
    {
        batch.Reset();
        lock (_free) if (_free.Count < Max) _free.Push(batch);
    }
}

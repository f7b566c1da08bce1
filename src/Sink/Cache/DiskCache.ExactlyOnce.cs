using System.Buffers;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// QoS 2 exactly once across process restarts (MQTT-4.4.0-1). The durable steps, in order:
/// <list type="number">
/// <item>The message record is durable before the forwarder reads it, and the message's packet id is a function of
/// its sequence number (<see cref="PacketIdOf"/>): so the id is recorded with the message before its PUBLISH goes out,
/// at no extra write, and a restarted process re-sends the same message with the same id (and DUP).</item>
/// <item>PUBREC is recorded (a <see cref="CacheRecordType.Received"/> record, many per fsync with the group commit)
/// before <see cref="MqttClient.Release"/> lets PUBREL go: after PUBCOMP the broker forgets the id, so a message
/// whose PUBREL may have left must never be published again; a restarted process re-sends PUBREL for it instead.</item>
/// <item>PUBCOMP moves the delivery watermark, as PUBACK does at QoS 1. Lost in a crash, it costs a PUBREL for an id
/// the broker no longer holds, which it answers with PUBCOMP: no duplicate.</item>
/// </list>
/// An id is never used for two messages at once, nor again before the last message with it is durably delivered (a
/// crash would otherwise restore that one and its PUBREL release the new one's flow): the forwarder waits for both
/// (65,535 sequence numbers apart: in strict order in practice never; with resendAlterQueue after a long outage, when
/// it sends from the other queue meanwhile), and the client holds a PUBLISH back while its id is in use.
/// </summary>
internal sealed partial class DiskCache
{
    private readonly Dictionary<ushort, long> _idToSequence = new();     // QoS 2 messages in flight, under _gate
    private readonly Dictionary<long, InFlight> _restored = new();       // restored at start, by sequence number
    private List<(ushort Id, long Sequence)> _releases = [], _releasing = [];   // PUBREC records waiting for their commit
    private MqttClient? _exactlyOnce;
    private TaskCompletionSource? _idFreed;       // an id was freed or the durable watermark moved
    private long _ackDurable;                     // the delivery watermark on disk (per the sync policy)
    private bool _ackDurableWanted;
    private bool _logClosed;

    /// <summary>The packet id of the QoS 2 message with <paramref name="sequence"/>: 1–65,535, repeating.</summary>
    public static ushort PacketIdOf(long sequence) => (ushort)((sequence - 1) % 65_535 + 1);

    /// <summary>
    /// Before <paramref name="client"/> first connects, for a QoS 2 sink: watches its PUBRECs, and restores what an
    /// earlier run left in flight (messages with a recorded PUBREC: PUBREL is re-sent). Returns true when the cache
    /// holds messages of an earlier run: the broker's session must then be kept, not discarded.
    /// </summary>
    public bool AttachExactlyOnce(MqttClient client, TopicName topic, TopicName? resendTopic, bool retain)
    {
        _exactlyOnce = client;
        client.ExactlyOnceReceived += OnExactlyOnceReceived;
        var toRestore = new List<(long Sequence, byte[] Buffer, int Length, bool Received)>();
        bool resume;
        lock (_gate)
        {
            // First the messages whose PUBREC was recorded (PUBREL goes again), then those handed out without one
            // (resendAlterQueue: the PUBLISH goes again, DUP, in the order they were handed out). Within one
            // connection PUBRECs come in PUBLISH order, so the first set precedes the second in each queue's order.
            var received = _log.RecoveredReceived;
            var sent = _log.RecoveredSent;
            var wanted = new HashSet<long>(received);
            wanted.UnionWith(sent);
            var payloads = new Dictionary<long, (byte[] Buffer, int Length)>();
            if (wanted.Count > 0)
            {
                var reader = _log.OpenReader();
                long last = wanted.Max();
                while (payloads.Count < wanted.Count && reader.TryNext(out long seq, out var payload) && seq <= last)
                    if (wanted.Contains(seq)) payloads[seq] = ResendPayload(payload);
            }
            foreach (long seq in received.Order())
                if (payloads.TryGetValue(seq, out var p)) toRestore.Add((seq, p.Buffer, p.Length, true));
            foreach (long seq in sent)
                if (!received.Contains(seq) && payloads.Remove(seq, out var p)) toRestore.Add((seq, p.Buffer, p.Length, false));
            resume = _log.Pending > 0;
        }
        // Outside the lock: the client takes its own, and it calls into this cache under it (OnExactlyOnceReceived).
        foreach (var (seq, buffer, length, wasReceived) in toRestore)
        {
            ushort id = PacketIdOf(seq);
            var completion = client.RestoreExactlyOnce(resendTopic ?? topic, buffer.AsMemory(0, length), retain, id, received: wasReceived);
            lock (_gate)
            {
                _idToSequence[id] = seq;
                if (!_settings.AlterQueue)
                {
                    _restored[seq] = new InFlight(seq, completion, buffer, id);
                    continue;
                }
                // Counted against the forwarder's window until it ends (ForwardingRoom): the client sends every
                // restored one at once.
                var task = completion.AsTask();
                _restored[seq] = new InFlight(seq, new ValueTask(task), buffer, id);
                _restoredOpen++;
                _ = task.ContinueWith(_ => { lock (_gate) { _restoredOpen--; SignalForwardingRoomLocked(); } },
                    CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
        return resume;
    }

    // Restored QoS 2 flows not yet ended (resendAlterQueue only); under _gate.
    private int _restoredOpen;

    // A re-sent message's payload in a pooled buffer, with resendIndicatorField set when configured.
    private (byte[] Buffer, int Length) ResendPayload(ReadOnlySpan<byte> payload)
    {
        if (_settings.ResendIndicatorField is { } field && ResendMarker.TryMark(payload, field, out int marked) is { } markedBuffer)
            return (markedBuffer, marked);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, payload.Length));
        payload.CopyTo(buffer);
        return (buffer, payload.Length);
    }

    // Under the client's lock (see MqttClient.ExactlyOnceReceived): only note the record and wake the committer.
    private void OnExactlyOnceReceived(ushort id)
    {
        lock (_gate)
        {
            if (_logClosed || _writeFault is not null || !_idToSequence.TryGetValue(id, out long seq)) return;
            _log.AppendReceived(seq);
            _releases.Add((id, seq));
        }
        Wake();
    }

    /// <summary>Takes the PUBRECs whose records the coming flush writes; under the lock.</summary>
    private List<(ushort Id, long Sequence)> TakeReleasesLocked()
    {
        (_releases, _releasing) = (_releasing, _releases);
        return _releasing;
    }

    /// <summary>The flush failed (nothing of it is in the log): their records go into the next one; under the lock.</summary>
    private void RetryReleasesLocked()
    {
        foreach (var (id, seq) in _releasing)
        {
            _log.AppendReceived(seq);
            _releases.Add((id, seq));
        }
        _releasing.Clear();
    }

    /// <summary>The records are durable (per the sync policy): PUBREL may go. Outside the lock.</summary>
    private void ReleaseCommitted()
    {
        if (_releasing.Count == 0) return;
        foreach (var (id, _) in _releasing) _exactlyOnce!.Release(id);
        _releasing.Clear();
    }

    /// <summary>Publishes one message at QoS 2 with the id its sequence number gives, or takes the completion of the
    /// one restored at start; waits first while an older message with the same id is in flight.</summary>
    private async ValueTask<InFlight> PublishExactlyOnceAsync(MqttClient client, long seq, TopicName topic, byte[] buffer, int length, bool retain, bool duplicate)
    {
        lock (_gate)
        {
            if (_restored.Remove(seq, out var restored))
            {
                _payloads.Return(buffer);
                return restored;
            }
        }
        ushort id = PacketIdOf(seq);
        // The last message with this id must be complete, and its completion durable: else a crash would restore it
        // (its PUBREC is recorded) and its re-sent PUBREL would release this message's flow at the broker, and this
        // message, re-sent, would be new to the broker: delivered twice (found by DurableQoS2Properties). 65,535
        // messages apart, both hold at once in practice; the wait is for the rare case.
        long previous = seq - 65_535;
        while (true)
        {
            Task freed;
            bool wake = false;
            lock (_gate)
            {
                bool durable = previous <= _ackDurable;
                if (!_idToSequence.ContainsKey(id) && durable)
                {
                    _idToSequence[id] = seq;
                    break;
                }
                if (!durable) { _ackDurableWanted = true; wake = true; }
                freed = (_idFreed ??= NewSignal()).Task;
            }
            if (wake) Wake();
            await freed.WaitAsync(_stopForwarding.Token).ConfigureAwait(false);
        }
        var publish = client.PublishExactlyOnceAsync(topic, buffer.AsMemory(0, length), retain, id, resend: duplicate);
        return new InFlight(seq, publish, buffer, id);
    }

    /// <summary>
    /// Whether the message with <paramref name="sequence"/> may be published now (resendAlterQueue at QoS 2): its
    /// packet id is free and the last message with it is durably delivered, the conditions
    /// <see cref="PublishExactlyOnceAsync"/> waits for. With two queues the holder may be a cached message waiting
    /// behind live ones (a long outage, resendPriority -1): refusing lets <see cref="ResendQueues"/> send from the other
    /// queue, and the oldest pending message is always free to go (every message before it is delivered, and no
    /// newer one can hold its id), so the queues never wait on each other. Under the lock.
    /// </summary>
    private bool CanTakeExactlyOnceLocked(long sequence)
    {
        if (_restored.ContainsKey(sequence)) return true;
        if (_idToSequence.ContainsKey(PacketIdOf(sequence))) return false;
        if (sequence - 65_535 <= _ackDurable) return true;
        _ackDurableWanted = true;
        return false;
    }

    // After CanTakeExactlyOnceLocked refused for the watermark: the committer must write it even with nothing else to write.
    private bool WakeForDurableWatermark() { lock (_gate) return _ackDurableWanted; }

    // Completes when an id is freed or the durable watermark moves; under the lock.
    private Task IdFreedLocked() => (_idFreed ??= NewSignal()).Task;

    /// <summary>The delivery watermark up to <paramref name="through"/> is durable; under the lock.</summary>
    private void AdvanceAcknowledgedDurableLocked(long through)
    {
        if (through <= _ackDurable) return;
        _ackDurable = through;
        if (_idFreed is { } freed) { _idFreed = null; _ackDurableWanted = false; freed.TrySetResult(); }
    }

    /// <summary>A QoS 2 message ended (delivered or failed): its id is free for the forwarder; under the lock.</summary>
    private void FreeIdLocked(in InFlight item)
    {
        if (item.PacketId == 0) return;
        if (_idToSequence.TryGetValue(item.PacketId, out long seq) && seq == item.Sequence) _idToSequence.Remove(item.PacketId);
        if (_idFreed is { } freed) { _idFreed = null; freed.TrySetResult(); }
    }
}

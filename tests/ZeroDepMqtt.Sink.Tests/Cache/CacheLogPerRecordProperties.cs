using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

public enum PerRecordOpKind { Append, Sync, AckAny, AckNewest, AckAllButOldest, Received, Crash, DiskFull }

public readonly record struct PerRecordOp(PerRecordOpKind Kind, int Arg);

/// <summary>Scripts for a log acknowledged out of order: any pending message, or the newest (live first).</summary>
public static class PerRecordScripts
{
    public static Arbitrary<PerRecordOp> Op()
    {
        var kinds = Gen.Frequency(
            (8, Gen.Constant(PerRecordOpKind.Append)),
            (3, Gen.Constant(PerRecordOpKind.Sync)),
            (3, Gen.Constant(PerRecordOpKind.AckAny)),
            (2, Gen.Constant(PerRecordOpKind.AckNewest)),
            (1, Gen.Constant(PerRecordOpKind.AckAllButOldest)),
            (1, Gen.Constant(PerRecordOpKind.Received)),
            (1, Gen.Constant(PerRecordOpKind.Crash)),
            (1, Gen.Constant(PerRecordOpKind.DiskFull)));
        return Arb.From(kinds.SelectMany(k => Gen.Choose(0, 120), (k, arg) => new PerRecordOp(k, arg)));
    }
}

public class CacheLogPerRecordProperties
{
    /// <summary>
    /// Acknowledged in any order, through power cuts and a full disk: recovery brings back every synced,
    /// unacknowledged message exactly once (in sequence order), never one whose acknowledgement was durable or whose
    /// write failed, and every durably recorded PUBREC of a message that came back.
    /// </summary>
    [Property(Arbitrary = [typeof(PerRecordScripts)], MaxTest = 1000, EndSize = 300)]
    public void Recovery_returns_exactly_the_synced_unacknowledged_messages(PerRecordOp[] script, int seed)
        => new PerRecordModel(seed).Run(script);

    /// <summary>The same with tiny segments: rotation, checkpoints and deletion of fully acknowledged segments in
    /// the middle of the log happen all the time.</summary>
    [Property(Arbitrary = [typeof(PerRecordScripts)], MaxTest = 1000, EndSize = 300)]
    public void Recovery_holds_with_tiny_segments(PerRecordOp[] script, int seed)
        => new PerRecordModel(seed, segmentBytes: 64).Run(script);

    /// <summary>Segments of a few messages each: an acknowledged message and a pending one share a segment while
    /// the range is recorded in a later one, which is deleted (the checkpoint must carry the range).</summary>
    [Property(Arbitrary = [typeof(PerRecordScripts)], MaxTest = 1000, EndSize = 300)]
    public void Recovery_holds_with_small_segments(PerRecordOp[] script, int seed)
        => new PerRecordModel(seed, segmentBytes: 200).Run(script);
}

/// <summary>The reference model of a per-record log.</summary>
internal sealed class PerRecordModel(int seed, long segmentBytes = 512)
{
    private sealed class Entry(long seq, byte[] payload)
    {
        public long Seq { get; } = seq;
        public byte[] Payload { get; } = payload;
        public bool Synced, Acked, AckDurable, Received, ReceivedDurable;
    }

    private readonly SimulatedDisk _disk = new(seed);
    private readonly List<Entry> _entries = [];
    private readonly List<Entry> _unflushed = [];
    private readonly List<Entry> _receivedUnflushed = [];

    public void Run(PerRecordOp[] script)
    {
        var log = Reopen(firstOpen: true);
        foreach (var op in script)
        {
            var ackable = _entries.Where(e => e.Synced && !e.Acked).ToList();
            switch (op.Kind)
            {
                case PerRecordOpKind.Append:
                    var payload = CacheLogModel.PayloadFor(log.LastSequence + 1, op.Arg % 40);
                    var entry = new Entry(log.Append(payload), payload);
                    Assert.DoesNotContain(_entries, e => e.Seq == entry.Seq);
                    _entries.Add(entry);
                    _unflushed.Add(entry);
                    break;
                case PerRecordOpKind.Sync:
                    Sync(log);
                    break;
                case PerRecordOpKind.AckAny when ackable.Count > 0:
                    for (int n = 1 + op.Arg % 4; n > 0 && ackable.Count > 0; n--)
                    {
                        var pick = ackable[(op.Arg * 7 + n) % ackable.Count];
                        ackable.Remove(pick);
                        Ack(log, pick);
                    }
                    break;
                case PerRecordOpKind.AckNewest when ackable.Count > 0:
                    // Live first: the newest committed messages are delivered while the oldest wait.
                    for (int n = 1 + op.Arg % 6; n > 0 && ackable.Count > 0; n--)
                    {
                        Ack(log, ackable[^1]);
                        ackable.RemoveAt(ackable.Count - 1);
                    }
                    break;
                case PerRecordOpKind.AckAllButOldest:
                    // A backlog stuck behind its oldest message while everything newer is delivered: whole segments
                    // after it become deletable while theirs stays.
                    foreach (var e in ackable.Skip(1 + op.Arg % 3)) Ack(log, e);
                    break;
                case PerRecordOpKind.Received when ackable.Count > 0:
                    var received = ackable[op.Arg % ackable.Count];
                    if (received.Received) break;
                    received.Received = true;
                    log.AppendReceived(received.Seq);
                    _receivedUnflushed.Add(received);
                    break;
                case PerRecordOpKind.DiskFull:
                    _disk.CapacityBytes = _disk.List().Sum(_disk.LengthOf) + op.Arg % 30;
                    Sync(log);
                    _disk.CapacityBytes = long.MaxValue;
                    break;
                case PerRecordOpKind.Crash:
                    log.Dispose();
                    _disk.Crash();
                    _unflushed.Clear();
                    _receivedUnflushed.Clear();
                    log = Reopen(firstOpen: false);
                    break;
            }
            Assert.Equal(_entries.Count(e => !e.Acked), log.Pending);
        }
        log.Dispose();
    }

    private static void Ack(CacheLog log, Entry entry)
    {
        entry.Acked = true;
        log.AcknowledgeOne(entry.Seq);
        Assert.True(log.IsAcknowledged(entry.Seq));
    }

    private void Sync(CacheLog log)
    {
        try
        {
            log.Sync();
            foreach (var e in _unflushed) e.Synced = true;
            foreach (var e in _entries) if (e.Acked) e.AckDurable = true;
            foreach (var e in _receivedUnflushed) e.ReceivedDurable = true;
            _receivedUnflushed.Clear();
        }
        catch (IOException)
        {
            // Not accepted: these must never come back. The PUBRECs are recorded again (as the sink does).
            foreach (var e in _unflushed) _entries.Remove(e);
            foreach (var e in _receivedUnflushed.Where(e => !e.Acked)) log.AppendReceived(e.Seq);
            _receivedUnflushed.RemoveAll(e => !_entries.Contains(e));
        }
        _unflushed.Clear();
    }

    private CacheLog Reopen(bool firstOpen)
    {
        var log = CacheLog.Open(_disk, out var recovery, segmentBytes, perRecord: true);
        Assert.All(recovery.Damage, d => Assert.True(d.TornTail, $"only torn tails are expected: {d}"));
        var back = new List<(long Seq, byte[] Payload)>();
        var reader = log.OpenReader();
        while (reader.TryNext(out long seq, out var payload)) back.Add((seq, payload.ToArray()));
        if (firstOpen) { Assert.Empty(back); return log; }

        for (int i = 1; i < back.Count; i++) Assert.True(back[i].Seq > back[i - 1].Seq, "came back out of order or twice");
        var bySeq = _entries.ToDictionary(e => e.Seq);
        foreach (var (seq, payload) in back)
        {
            Assert.True(bySeq.TryGetValue(seq, out var e), $"message {seq} came back but was never appended (or its write failed)");
            Assert.Equal(e!.Payload, payload);
            Assert.False(e.AckDurable, $"message {seq} came back although its acknowledgement was durable");
        }
        var backSeqs = back.Select(b => b.Seq).ToHashSet();
        foreach (var e in _entries)
            if (e.Synced && !e.Acked) Assert.True(backSeqs.Contains(e.Seq), $"synced message {e.Seq} was lost");
        Assert.Equal(back.Count, log.Pending);
        foreach (var e in _entries)
            if (e.ReceivedDurable && backSeqs.Contains(e.Seq))
                Assert.True(log.RecoveredReceived.Contains(e.Seq), $"the durable PUBREC of message {e.Seq} was lost");
        Assert.Subset(backSeqs, log.RecoveredReceived.ToHashSet());

        var kept = _entries.Where(e => backSeqs.Contains(e.Seq)).ToList();
        _entries.Clear();
        foreach (var e in kept)
        {
            bool received = log.RecoveredReceived.Contains(e.Seq);
            _entries.Add(new Entry(e.Seq, e.Payload) { Synced = true, Received = received, ReceivedDurable = received });
        }
        return log;
    }
}

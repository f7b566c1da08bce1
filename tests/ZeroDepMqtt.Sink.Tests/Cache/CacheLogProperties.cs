using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

public enum CacheOpKind { Append, Sync, Acknowledge, Crash, DiskFull }

public readonly record struct CacheOp(CacheOpKind Kind, int Arg);

/// <summary>Scripts weighted towards appends, with syncs, in-order acknowledgements, crashes and a full disk.</summary>
public static class CacheScripts
{
    public static Arbitrary<CacheOp> Op()
    {
        var kinds = Gen.Frequency(
            (8, Gen.Constant(CacheOpKind.Append)),
            (3, Gen.Constant(CacheOpKind.Sync)),
            (3, Gen.Constant(CacheOpKind.Acknowledge)),
            (1, Gen.Constant(CacheOpKind.Crash)),
            (1, Gen.Constant(CacheOpKind.DiskFull)));
        return Arb.From(kinds.SelectMany(k => Gen.Choose(0, 120), (k, arg) => new CacheOp(k, arg)));
    }
}

public class CacheLogProperties
{
    /// <summary>
    /// After any sequence of appends, syncs, in-order acknowledgements, power cuts (unsynced writes lost or torn,
    /// unsynced names lost) and failed writes on a full disk, recovery brings back every synced, unacknowledged
    /// message exactly once and in order, and nothing else except a whole prefix of the unsynced tail (and messages
    /// whose acknowledgement was not yet durable); never a message whose write failed.
    /// </summary>
    [Property(Arbitrary = [typeof(CacheScripts)], MaxTest = 300, EndSize = 150)]
    public void Recovery_returns_exactly_the_synced_unacknowledged_messages_in_order(CacheOp[] script, int seed)
        => new CacheLogModel(seed).Run(script);

    /// <summary>The same with a segment per record or two, so that rotation and deletion of acknowledged segments
    /// happen all the time.</summary>
    [Property(Arbitrary = [typeof(CacheScripts)], MaxTest = 200, EndSize = 150)]
    public void Recovery_holds_with_tiny_segments(CacheOp[] script, int seed)
        => new CacheLogModel(seed, segmentBytes: 64).Run(script);
}

/// <summary>The reference model: which messages exist, which are synced, how far acknowledgements reached.</summary>
internal sealed class CacheLogModel(int seed, long segmentBytes = 512)
{
    private readonly SimulatedDisk _disk = new(seed);
    private readonly List<(long Seq, byte[] Payload, bool Synced)> _entries = [];
    private long _acked, _ackDurable;

    public static byte[] PayloadFor(long seq, int length)
    {
        var p = new byte[length];
        for (int i = 0; i < length; i++) p[i] = (byte)(seq * 31 + i);
        return p;
    }

    /// <summary>Appends <paramref name="count"/> messages of 20 bytes and syncs them.</summary>
    public static void AppendSynced(CacheLog log, int count)
    {
        for (int i = 0; i < count; i++) log.Append(PayloadFor(log.LastSequence + 1, 20));
        log.Sync();
    }

    public void Run(CacheOp[] script)
    {
        var log = Reopen(firstOpen: true);
        var unflushed = new List<int>();
        foreach (var op in script)
        {
            switch (op.Kind)
            {
                case CacheOpKind.Append:
                    var payload = PayloadFor(log.LastSequence + 1, op.Arg % 40);
                    long seq = log.Append(payload);
                    _entries.Add((seq, payload, false));
                    unflushed.Add(_entries.Count - 1);
                    break;
                case CacheOpKind.Sync:
                    Sync(log, unflushed);
                    break;
                case CacheOpKind.Acknowledge:
                    // The forwarder only sends committed (synced) messages, oldest first.
                    for (int n = op.Arg % 5; n > 0; n--)
                    {
                        int next = _entries.FindIndex(e => e.Seq > _acked);
                        if (next < 0 || !_entries[next].Synced) break;
                        _acked = _entries[next].Seq;
                        log.Acknowledge(_acked);
                    }
                    break;
                case CacheOpKind.DiskFull:
                    _disk.CapacityBytes = TotalBytes() + op.Arg % 30;
                    Sync(log, unflushed);
                    _disk.CapacityBytes = long.MaxValue;
                    break;
                case CacheOpKind.Crash:
                    log.Dispose();
                    _disk.Crash();
                    unflushed.Clear();
                    log = Reopen(firstOpen: false);
                    break;
            }
            Assert.Equal(_entries.Count(e => e.Seq > _acked), log.Pending);
        }
        log.Dispose();
    }

    private long TotalBytes() => _disk.List().Sum(_disk.LengthOf);

    private void Sync(CacheLog log, List<int> unflushed)
    {
        try
        {
            log.Sync();
            foreach (int i in unflushed) _entries[i] = _entries[i] with { Synced = true };
            _ackDurable = _acked;
        }
        catch (IOException)
        {
            // Not accepted: these must never come back.
            foreach (int i in unflushed.OrderDescending()) _entries.RemoveAt(i);
        }
        unflushed.Clear();
    }

    private CacheLog Reopen(bool firstOpen)
    {
        var log = CacheLog.Open(_disk, out var recovery, segmentBytes);
        Assert.All(recovery.Damage, d => Assert.True(d.TornTail, $"only torn tails are expected: {d}"));
        var back = new List<(long Seq, byte[] Payload)>();
        var reader = log.OpenReader();
        while (reader.TryNext(out long seq, out var payload)) back.Add((seq, payload.ToArray()));
        if (firstOpen) { Assert.Empty(back); return log; }

        // The run must start after the durable watermark and no later than the first unacknowledged message (a lower
        // recovered watermark is fine when the acknowledged messages' segments are gone).
        int lo = Index(e => e.Seq > _ackDurable), hi = Index(e => e.Seq > _acked);
        int start = back.Count == 0 ? hi : _entries.FindIndex(e => e.Seq == back[0].Seq);
        Assert.True(start >= 0, $"message {(back.Count > 0 ? back[0].Seq : 0)} came back but was never appended (or its write failed)");
        Assert.InRange(start, lo, hi);
        Assert.True(back.Count <= _entries.Count - start, "more messages came back than were appended");
        for (int i = 0; i < back.Count; i++)
        {
            Assert.Equal(_entries[start + i].Seq, back[i].Seq);
            Assert.Equal(_entries[start + i].Payload, back[i].Payload);
        }
        for (int i = start + back.Count; i < _entries.Count; i++)
            Assert.False(_entries[i].Synced, $"synced message {_entries[i].Seq} was lost");
        Assert.Equal(back.Count, log.Pending);
        // What came back is on the disk now; everything else is gone (an emptied log may even start its numbers again).
        var kept = _entries.Skip(start).Take(back.Count).Select(e => e with { Synced = true }).ToList();
        _entries.Clear();
        _entries.AddRange(kept);
        _acked = _ackDurable = log.AcknowledgedThrough;
        return log;
    }

    private int Index(Predicate<(long Seq, byte[] Payload, bool Synced)> match)
    {
        int i = _entries.FindIndex(match);
        return i < 0 ? _entries.Count : i;
    }
}

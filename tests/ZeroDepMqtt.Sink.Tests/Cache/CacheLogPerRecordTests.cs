using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>Per-record acknowledgement over the simulated disk: the cases the properties find only by chance.</summary>
public sealed class CacheLogPerRecordTests
{
    private static CacheLog Open(SimulatedDisk disk, long segmentBytes = 200) => CacheLog.Open(disk, out _, segmentBytes, perRecord: true);

    private static List<long> Drain(CacheLog log)
    {
        var back = new List<long>();
        var reader = log.OpenReader();
        while (reader.TryNext(out long seq, out _)) back.Add(seq);
        return back;
    }

    /// <summary>A range recorded in a segment that is deleted later (all its messages delivered) still holds for
    /// a message in an older segment that stays: the new segment's checkpoint carries it.</summary>
    [Fact]
    public void A_range_outlives_the_deleted_segment_it_was_written_in()
    {
        var disk = new SimulatedDisk();
        using (var log = Open(disk))
        {
            CacheLogModel.AppendSynced(log, 6);                 // segment 1: messages 1-6
            log.AcknowledgeOne(2);
            CacheLogModel.AppendSynced(log, 6);                 // segment 2: messages 7-12 and the range [2, 2]
            for (long s = 7; s <= 12; s++) log.AcknowledgeOne(s);
            CacheLogModel.AppendSynced(log, 1);                 // segment 3 (with its checkpoint); segment 2 is deleted
            CacheLogModel.AppendSynced(log, 1);                 // the deletion reaches the directory
            Assert.Equal(2, log.SegmentCount);
        }
        disk.Crash();
        using var again = Open(disk);
        Assert.Equal([1, 3, 4, 5, 6, 13, 14], Drain(again));
        Assert.Equal(7, again.Pending);
    }

    /// <summary>A durable PUBREC recorded in a segment deleted later comes back with its message.</summary>
    [Fact]
    public void A_PUBREC_outlives_the_deleted_segment_it_was_written_in()
    {
        var disk = new SimulatedDisk();
        using (var log = Open(disk))
        {
            CacheLogModel.AppendSynced(log, 6);
            log.AppendReceived(3);
            CacheLogModel.AppendSynced(log, 6);
            for (long s = 7; s <= 12; s++) log.AcknowledgeOne(s);
            CacheLogModel.AppendSynced(log, 1);
            CacheLogModel.AppendSynced(log, 1);
        }
        disk.Crash();
        using var again = Open(disk);
        Assert.Equal(new HashSet<long> { 3 }, again.RecoveredReceived.ToHashSet());
        Assert.Equal([1, 2, 3, 4, 5, 6, 13, 14], Drain(again));
    }

    /// <summary>Live first: an old backlog stays in its segments while the newer, delivered ones are deleted, so
    /// the disk holds the pending messages' segments plus the newest, not everything since the oldest pending.</summary>
    [Fact]
    public void Delivered_segments_after_a_pending_backlog_are_deleted()
    {
        var disk = new SimulatedDisk();
        using var log = Open(disk);
        CacheLogModel.AppendSynced(log, 6);                     // the backlog
        for (int round = 0; round < 50; round++)
        {
            long first = log.LastSequence + 1;
            CacheLogModel.AppendSynced(log, 6);
            for (long s = first; s <= log.LastSequence; s++) log.AcknowledgeOne(s);
        }
        log.Sync();
        Assert.InRange(log.SegmentCount, 2, 3);
        Assert.Equal(6, log.Pending);
        Assert.Equal(0, log.AcknowledgedThrough);
        Assert.Equal(1, log.RangeCount);
        Assert.Equal([1, 2, 3, 4, 5, 6], Drain(log));
        for (long s = 6; s >= 1; s--) log.AcknowledgeOne(s);
        Assert.Equal(log.LastSequence, log.AcknowledgedThrough);
        Assert.Equal(0, log.RangeCount);
    }

    /// <summary>A log written per record opens in strict order too (resendAlterQueue turned off again): the
    /// acknowledged ranges still hold, and in-order acknowledgement goes on from there.</summary>
    [Fact]
    public void A_per_record_log_opens_in_strict_order()
    {
        var disk = new SimulatedDisk();
        using (var log = Open(disk))
        {
            CacheLogModel.AppendSynced(log, 10);
            foreach (long s in new long[] { 2, 5, 6, 10 }) log.AcknowledgeOne(s);
            log.Sync();
        }
        disk.Crash();
        using var strict = CacheLog.Open(disk, out var recovery, 200);
        Assert.Equal(6, recovery.Pending);
        Assert.Equal([1, 3, 4, 7, 8, 9], Drain(strict));
        foreach (long s in new long[] { 1, 3, 4, 7, 8, 9 }) strict.Acknowledge(s);
        Assert.Equal(0, strict.Pending);
        Assert.Equal(10, strict.AcknowledgedThrough);
        Assert.Equal(11, strict.Append([1]));
    }

    /// <summary>Sequence numbers go on after the highest recorded range, so that a stale range never covers a new
    /// message.</summary>
    [Fact]
    public void Numbers_go_on_after_the_highest_range()
    {
        var disk = new SimulatedDisk();
        using (var log = Open(disk))
        {
            CacheLogModel.AppendSynced(log, 3);
            log.AcknowledgeOne(3);
            log.AcknowledgeOne(1);
            log.AcknowledgeOne(2);
            log.Sync();
        }
        disk.Crash();
        using var again = Open(disk);
        Assert.Equal(0, again.Pending);
        long next = again.Append([1]);
        Assert.True(next > 3);
        Assert.False(again.IsAcknowledged(next));
    }
}

/// <summary>Replays of scripts the properties found.</summary>
public sealed class CacheLogPerRecordReplays
{
    /// <summary>Two segments deleted in one go (at recovery, after a full disk left an empty newest segment), then a
    /// crash that undid only the older deletion: that segment came back without the later one whose watermark covered
    /// it, and a delivered message with it. One deletion per directory sync now.</summary>
    [Fact]
    public void An_undone_deletion_does_not_bring_back_a_delivered_message()
    {
        PerRecordOp[] script =
        [
            new(PerRecordOpKind.Append, 108), new(PerRecordOpKind.DiskFull, 90), new(PerRecordOpKind.Append, 76),
            new(PerRecordOpKind.Sync, 81), new(PerRecordOpKind.Append, 21), new(PerRecordOpKind.Sync, 115),
            new(PerRecordOpKind.AckNewest, 25), new(PerRecordOpKind.Sync, 96), new(PerRecordOpKind.Append, 37),
            new(PerRecordOpKind.DiskFull, 12), new(PerRecordOpKind.Crash, 119), new(PerRecordOpKind.Crash, 90),
        ];
        new PerRecordModel(61, segmentBytes: 64).Run(script);
    }
}

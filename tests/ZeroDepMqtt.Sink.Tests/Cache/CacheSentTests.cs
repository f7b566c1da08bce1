using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>
/// The QoS 2 hand-out records of a per-record log (resendAlterQueue) over the simulated disk: a restarted run must
/// find every message whose PUBLISH may have left, in the order it was handed out, so that it re-sends those first
/// and the broker's held flows never push newer ones over its quota.
/// </summary>
public sealed class CacheSentTests
{
    private static CacheLog Open(SimulatedDisk disk, long segmentBytes = 1 << 20) => CacheLog.Open(disk, out _, segmentBytes, perRecord: true);

    private static CacheLog Reopen(SimulatedDisk disk, out CacheRecovery recovery, long segmentBytes = 1 << 20)
    {
        disk.Crash();
        return CacheLog.Open(disk, out recovery, segmentBytes, perRecord: true);
    }

    [Fact]
    public void Synced_hand_outs_come_back_in_hand_out_order_without_the_delivered_ones_and_without_damage()
    {
        var disk = new SimulatedDisk();
        using (var log = Open(disk))
        {
            CacheLogModel.AppendSynced(log, 8);
            // Two queues: the live message 7 goes before the cached 2 and 3.
            foreach (long s in new long[] { 7, 2, 3, 8, 5 }) log.AppendSent(s);
            log.AppendReceived(7);
            log.Sync();
            log.AcknowledgeOne(3);
            log.Sync();
        }
        using var again = Reopen(disk, out var recovery);
        Assert.Empty(recovery.Damage);
        Assert.Equal([7, 2, 8, 5], again.RecoveredSent);
        Assert.Equal(new HashSet<long> { 7 }, again.RecoveredReceived.ToHashSet());
        Assert.Equal(7, again.Pending);
        var reader = again.OpenReader();
        var seqs = new List<long>();
        while (reader.TryNext(out long seq, out var payload)) { Assert.Equal(CacheLogModel.PayloadFor(seq, 20), payload.ToArray()); seqs.Add(seq); }
        Assert.Equal([1, 2, 4, 5, 6, 7, 8], seqs);
    }

    [Fact]
    public void Hand_outs_outlive_the_deleted_segment_they_were_written_in_and_keep_their_order()
    {
        var disk = new SimulatedDisk();
        using (var log = Open(disk, segmentBytes: 200))
        {
            CacheLogModel.AppendSynced(log, 6);                 // segment 1: messages 1-6
            log.AppendSent(4);
            log.AppendSent(1);
            CacheLogModel.AppendSynced(log, 6);                 // segment 2: messages 7-12 and the hand-outs
            for (long s = 7; s <= 12; s++) log.AcknowledgeOne(s);
            CacheLogModel.AppendSynced(log, 1);                 // segment 3 (with its checkpoint); segment 2 is deleted
            CacheLogModel.AppendSynced(log, 1);                 // the deletion reaches the directory
            Assert.Equal(2, log.SegmentCount);
        }
        using var again = Reopen(disk, out var recovery, segmentBytes: 200);
        Assert.Empty(recovery.Damage);
        Assert.Equal([4, 1], again.RecoveredSent);
    }

    [Fact]
    public void A_hand_out_not_yet_synced_may_be_lost_but_a_synced_one_never()
    {
        // The PUBLISH waits for the sync, so a lost unsynced record is a message that never left.
        var outcomes = new HashSet<int>();
        for (int seed = 1; seed <= 40; seed++)
        {
            var disk = new SimulatedDisk(seed);
            using (var log = Open(disk))
            {
                CacheLogModel.AppendSynced(log, 5);
                log.AppendSent(2);
                log.Sync();
                log.AppendSent(3);
                log.Flush();   // written, not synced
            }
            using var again = Reopen(disk, out var recovery);
            Assert.Equal(2, again.RecoveredSent[0]);
            Assert.True(again.RecoveredSent.Count is 1 or 2 && again.RecoveredSent.Skip(1).All(s => s == 3), string.Join(",", again.RecoveredSent));
            outcomes.Add(again.RecoveredSent.Count);
        }
        Assert.Contains(1, outcomes);
    }

    [Fact]
    public void A_strict_order_log_refuses_hand_out_records()
    {
        using var log = CacheLog.Open(new SimulatedDisk(), out _);
        log.Append(CacheLogModel.PayloadFor(1, 20));
        Assert.Throws<InvalidOperationException>(() => log.AppendSent(1));
    }
}

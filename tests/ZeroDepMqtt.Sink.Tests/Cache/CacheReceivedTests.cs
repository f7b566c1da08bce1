using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>
/// The QoS 2 records over the simulated disk, killed at each step of a message's flow: what a restarted run finds
/// decides whether it re-sends the PUBLISH (with DUP and the id its sequence number gives) or PUBREL.
/// </summary>
public sealed class CacheReceivedTests
{
    private static CacheLog Reopen(SimulatedDisk disk, long segmentBytes = 1 << 20)
    {
        disk.Crash();
        return CacheLog.Open(disk, out _, segmentBytes);
    }

    private static CacheLog Filled(SimulatedDisk disk, int messages, long segmentBytes = 1 << 20)
    {
        var log = CacheLog.Open(disk, out _, segmentBytes);
        for (int i = 1; i <= messages; i++) log.Append(CacheLogModel.PayloadFor(i, 20));
        log.Sync();
        return log;
    }

    [Fact]
    public void Killed_between_the_message_record_and_its_PUBLISH_it_is_sent_again_with_the_same_id()
    {
        var disk = new SimulatedDisk();
        using (var log = Filled(disk, 5)) { }
        using var again = Reopen(disk);
        Assert.Equal(5, again.Pending);
        Assert.Empty(again.RecoveredReceived);
        // The id is a function of the durable sequence number: nothing else needed recording before the PUBLISH.
        Assert.Equal([1, 2, 3, 4, 5], Enumerable.Range(1, 5).Select(s => (int)DiskCache.PacketIdOf(s)));
        Assert.Equal(1, DiskCache.PacketIdOf(65_536));
        Assert.Equal(65_535, DiskCache.PacketIdOf(65_535));
    }

    [Fact]
    public void Killed_between_PUBREC_and_its_sync_the_PUBLISH_is_sent_again_or_PUBREL_if_the_record_reached_the_disk()
    {
        // PUBREL waits for the sync, so the broker still holds the id: the re-sent PUBLISH (DUP) is a duplicate it
        // acknowledges without delivering again. A record the kernel wrote anyway is as safe: PUBREL for a held id.
        var outcomes = new HashSet<int>();
        for (int seed = 1; seed <= 40; seed++)
        {
            var disk = new SimulatedDisk(seed);
            using (var log = Filled(disk, 5))
            {
                log.AppendReceived(2);
                log.AppendReceived(3);
                log.Flush();   // written, not synced
            }
            using var again = Reopen(disk);
            Assert.Equal(5, again.Pending);
            Assert.Subset(new HashSet<long> { 2, 3 }, again.RecoveredReceived.ToHashSet());
            outcomes.Add(again.RecoveredReceived.Count);
        }
        Assert.Contains(0, outcomes);   // the case that matters: the record was lost
    }

    [Fact]
    public void Killed_after_PUBREL_a_synced_PUBREC_record_brings_PUBREL_back_not_the_PUBLISH()
    {
        var disk = new SimulatedDisk();
        using (var log = Filled(disk, 5))
        {
            log.AppendReceived(2);
            log.AppendReceived(3);
            log.Sync();
            log.Append(CacheLogModel.PayloadFor(6, 20));   // later traffic, lost unsynced
        }
        using var again = Reopen(disk);
        Assert.Equal(new HashSet<long> { 2, 3 }, again.RecoveredReceived.ToHashSet());
        Assert.Equal(5, again.Pending);
        // The records do not disturb the message stream.
        var reader = again.OpenReader();
        var seqs = new List<long>();
        while (reader.TryNext(out long seq, out var payload)) { Assert.Equal(CacheLogModel.PayloadFor(seq, 20), payload.ToArray()); seqs.Add(seq); }
        Assert.Equal([1, 2, 3, 4, 5], seqs);
    }

    [Fact]
    public void After_PUBCOMP_and_its_watermark_the_PUBREC_record_is_forgotten()
    {
        var disk = new SimulatedDisk();
        using (var log = Filled(disk, 5))
        {
            log.AppendReceived(1);
            log.AppendReceived(2);
            log.Sync();
            log.Acknowledge(1);
            log.Acknowledge(2);
            log.Sync();
        }
        using var again = Reopen(disk);
        Assert.Empty(again.RecoveredReceived);
        Assert.Equal(3, again.Pending);
    }

    [Fact]
    public void PUBREC_records_in_a_newer_segment_than_their_messages_survive_rotation_and_deletion()
    {
        var disk = new SimulatedDisk();
        using (var log = Filled(disk, 30, segmentBytes: 200))
        {
            for (int i = 31; i <= 60; i++) { log.Append(CacheLogModel.PayloadFor(i, 20)); log.Sync(); }
            for (long s = 1; s <= 20; s++) log.Acknowledge(s);
            log.AppendReceived(21);
            log.AppendReceived(22);
            log.Sync();
            Assert.True(log.SegmentCount >= 2);
        }
        using var again = Reopen(disk, 200);
        Assert.Equal(new HashSet<long> { 21, 22 }, again.RecoveredReceived.ToHashSet());
        Assert.Equal(40, again.Pending);
    }
}

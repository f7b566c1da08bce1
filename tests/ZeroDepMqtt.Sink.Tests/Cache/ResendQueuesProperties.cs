using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>
/// The two queues of resendAlterQueue over a real log on the simulated disk: cached messages (an earlier run's, and
/// ones appended as cached, as while the connection is lost: ranges of sequence numbers) and live ones appended
/// while the forwarder sends, acknowledged late and out of order. Whatever the interleaving, every message is sent
/// exactly once, each queue in its own order, and the priority holds at every step: -1 never sends a cached message
/// while a live one waits, 1 never sends a live one while a cached one waits, 0 never serves one queue twice in a row
/// while the other waits.
/// </summary>
public class ResendQueuesProperties
{
    /// <summary>Appends a message, live or cached (as accepted while the connection is lost); returns its sequence number.</summary>
    internal static long Append(CacheLog log, CachedRanges ranges, ISet<long> cachedSet, bool cached)
    {
        long seq = log.Append(CacheLogModel.PayloadFor(log.LastSequence + 1, 10));
        log.Sync();
        if (cached)
        {
            // As DiskCache does: a new range forgets the delivered ones first.
            if (!ranges.Contains(seq - 1)) ranges.PruneThrough(log.AcknowledgedThrough);
            ranges.Add(seq);
            cachedSet.Add(seq);
        }
        return seq;
    }

    [Property(MaxTest = 300)]
    public void Priority_holds_at_every_step_and_nothing_is_sent_twice_or_lost(PositiveInt cachedCount, byte[] steps, int priorityPick)
    {
        int priority = Math.Abs(priorityPick % 3) - 1;
        int recoveredTotal = cachedCount.Get % 40;
        var disk = new SimulatedDisk();
        using (var first = CacheLog.Open(disk, out _, 256, perRecord: true))
        {
            for (int i = 0; i < recoveredTotal; i++) first.Append(CacheLogModel.PayloadFor(i + 1, 10));
            first.Sync();
        }
        using var log = CacheLog.Open(disk, out _, 256, perRecord: true);
        long recovered = log.LastSequence;
        var ranges = new CachedRanges();
        if (recovered > 0) ranges.Add(1, recovered);
        var cachedSet = new SortedSet<long>(Enumerable.Range(1, (int)recovered).Select(i => (long)i));
        var queues = new ResendQueues(log.OpenReader(), log.OpenReader(after: recovered), ranges, priority);
        var sent = new List<long>();
        var unsent = new SortedSet<long>(cachedSet);
        var outstanding = new List<long>();
        bool? lastWasLive = null;

        void Send()
        {
            bool liveWaits = unsent.Any(s => !cachedSet.Contains(s));
            bool cachedWaits = unsent.Any(cachedSet.Contains);
            if (!queues.TryNext(out long seq, out var payload))
            {
                Assert.False(liveWaits || cachedWaits, "a message waits but none was sent");
                return;
            }
            Assert.Equal(CacheLogModel.PayloadFor(seq, 10), payload.ToArray());
            Assert.True(unsent.Remove(seq), $"{seq} sent twice or never appended");
            bool isLive = !cachedSet.Contains(seq);
            Assert.Equal(isLive, !ranges.Contains(seq));
            if (priority < 0 && !isLive) Assert.False(liveWaits, $"cached {seq} sent while a live message waits");
            if (priority > 0 && isLive) Assert.False(cachedWaits, $"live {seq} sent while a cached message waits");
            if (priority == 0 && lastWasLive == isLive) Assert.False(isLive ? cachedWaits : liveWaits, "one queue served twice while the other waits");
            // Each queue in its own order: nothing of the same queue older than this one still waits.
            Assert.DoesNotContain(unsent, s => s < seq && cachedSet.Contains(s) != isLive);
            sent.Add(seq);
            outstanding.Add(seq);
            lastWasLive = isLive;
        }

        // Each step appends a live message (0), a cached one (1: accepted while the connection is lost), sends one
        // (2) or acknowledges an outstanding one, not necessarily the oldest (3); then everything left is sent.
        foreach (byte step in steps)
        {
            switch (step % 4)
            {
                case 0 or 1:
                    unsent.Add(Append(log, ranges, cachedSet, cached: step % 4 == 1));
                    break;
                case 2:
                    Send();
                    break;
                default:
                    if (outstanding.Count == 0) break;
                    int pick = (step / 4) % outstanding.Count;
                    log.AcknowledgeOne(outstanding[pick]);
                    outstanding.RemoveAt(pick);
                    break;
            }
        }
        while (unsent.Count > 0)
        {
            int before = unsent.Count;
            Send();
            Assert.True(unsent.Count < before, "messages wait but none is sent");
        }
        Assert.False(queues.TryNext(out _, out _));
        foreach (long seq in outstanding) log.AcknowledgeOne(seq);
        Assert.Equal(Enumerable.Range(1, (int)log.LastSequence).Select(i => (long)i), sent.Order());
        Assert.Equal(0, log.Pending);
    }
}

/// <summary>
/// resendAlterQueue at QoS 2: the forwarder's rule for packet ids (DiskCache.CanTakeExactlyOnceLocked: an id is
/// free, and the last message with it durably delivered, i.e. under the watermark) over the two queues, with a
/// cycle of 7 ids instead of 65,535 so that ids repeat within a run. Messages complete in send order (one
/// connection), possibly late. Whatever the interleaving: no message is sent while its id is held or before the last
/// one with it is under the watermark, each queue keeps its order, and the queues never wait on each other (when
/// nothing is outstanding, a waiting message can always go).
/// </summary>
public class ResendQueuesIdProperties
{
    private const int Ids = 7;

    [Property(MaxTest = 300)]
    public void Queues_pass_over_a_message_whose_id_is_not_free_and_never_wait_on_each_other(PositiveInt cachedCount, byte[] steps, int priorityPick)
    {
        int priority = Math.Abs(priorityPick % 3) - 1;
        var disk = new SimulatedDisk();
        using (var first = CacheLog.Open(disk, out _, 256, perRecord: true))
        {
            for (int i = 0; i < cachedCount.Get % 30; i++) first.Append(CacheLogModel.PayloadFor(i + 1, 10));
            first.Sync();
        }
        using var log = CacheLog.Open(disk, out _, 256, perRecord: true);
        long recovered = log.LastSequence;
        var ranges = new CachedRanges();
        if (recovered > 0) ranges.Add(1, recovered);
        var cachedSet = new HashSet<long>(Enumerable.Range(1, (int)recovered).Select(i => (long)i));
        var queues = new ResendQueues(log.OpenReader(), log.OpenReader(after: recovered), ranges, priority);
        var unsent = new SortedSet<long>(cachedSet);
        var outstanding = new Queue<long>();      // completes in send order
        var held = new Dictionary<long, long>();  // id -> sequence in flight
        long watermark = 0;                       // the log's, here always durable (synced with each acknowledgement)
        bool CanTake(long seq) => !held.ContainsKey((seq - 1) % Ids) && seq - Ids <= log.AcknowledgedThrough;
        Func<long, bool> canTake = CanTake;

        bool Send()
        {
            if (!queues.TryNext(canTake, out long seq, out _, out bool blocked))
            {
                if (!blocked) Assert.Empty(unsent);
                return false;
            }
            Assert.True(CanTake(seq), $"{seq} sent while its id is held or its last holder is not delivered");
            Assert.True(unsent.Remove(seq), $"{seq} sent twice");
            bool isLive = !cachedSet.Contains(seq);
            Assert.DoesNotContain(unsent, s => s < seq && cachedSet.Contains(s) != isLive);
            held[(seq - 1) % Ids] = seq;
            outstanding.Enqueue(seq);
            return true;
        }

        void CompleteOldest()
        {
            long seq = outstanding.Dequeue();
            held.Remove((seq - 1) % Ids);
            log.AcknowledgeOne(seq);
            log.Sync();
            Assert.True(log.AcknowledgedThrough >= watermark);
            watermark = log.AcknowledgedThrough;
        }

        foreach (byte step in steps)
        {
            switch (step % 4)
            {
                case 0 or 1:
                    unsent.Add(ResendQueuesProperties.Append(log, ranges, cachedSet, cached: step % 4 == 1));
                    break;
                case 2:
                    Send();
                    break;
                default:
                    if (outstanding.Count > 0) CompleteOldest();
                    break;
            }
        }
        // Drain: send what can go, complete the oldest when nothing can; with nothing outstanding something must go.
        while (unsent.Count > 0 || outstanding.Count > 0)
        {
            if (Send()) continue;
            Assert.True(outstanding.Count > 0, $"messages {string.Join(",", unsent.Take(5))} wait with nothing outstanding: the queues wait on each other");
            CompleteOldest();
        }
        Assert.Equal(0, log.Pending);
    }
}

/// <summary>
/// What a refused message costs the reader. With live data first at QoS 2, the live queue's next message may be refused
/// once per message the cached queue sends (its packet id waits for a cached one), for the whole drain: each refusal must
/// put back that one record, not send the reader back over everything it walked to reach it. The drain of a
/// 300,000-message backlog once spent minutes of CPU re-reading its last segment that way. Counted in bytes read, not
/// timed.
/// </summary>
public class ResendQueuesReadCostTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void A_message_refused_on_every_turn_is_not_read_again_with_all_before_it(int priority)
    {
        const int backlog = 3_000;
        var disk = new SimulatedDisk();
        // One segment for everything, as the last segment of a long outage holds the live data with the end of the backlog.
        using (var first = CacheLog.Open(disk, out _, 1 << 20, perRecord: true))
        {
            for (int i = 0; i < backlog; i++) first.Append(CacheLogModel.PayloadFor(i + 1, 10));
            first.Sync();
        }
        using var log = CacheLog.Open(disk, out _, 1 << 20, perRecord: true);
        var ranges = new CachedRanges();
        ranges.Add(1, backlog);
        var queues = new ResendQueues(log.OpenReader(), log.OpenReader(after: backlog), ranges, priority);
        long live = ResendQueuesProperties.Append(log, ranges, new HashSet<long>(), cached: false);
        int cachedSent = 0;
        // The live message waits until the backlog is sent (as its id would, held by a cached one).
        bool CanTake(long seq) => seq != live || cachedSent == backlog;
        long logBytes = disk.List().Sum(disk.LengthOf);
        long before = disk.BytesRead;
        var order = new List<long>();
        while (queues.TryNext(CanTake, out long seq, out _, out _))
        {
            order.Add(seq);
            if (seq != live) cachedSent++;
        }
        Assert.Equal(Enumerable.Range(1, backlog + 1).Select(i => (long)i), order);
        long read = disk.BytesRead - before;
        // Each queue reads the log about once (a 64 KiB chunk at a time); the re-walk read it about once per message.
        Assert.True(read <= 4 * logBytes, $"{read} bytes read to send {backlog + 1} messages from a {logBytes}-byte log");
    }
}

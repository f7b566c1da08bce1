using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>
/// The two queues of resendAlterQueue over a real log on the simulated disk: an earlier run's messages (cached) and
/// live ones appended while the forwarder sends. Whatever the timing, every message is sent exactly once, each
/// queue in its own order, and the priority holds at every step: -1 never sends a cached message while a live one
/// waits, 1 never sends a live one while a cached one waits, 0 never serves one queue twice in a row while the
/// other waits.
/// </summary>
public class ResendQueuesProperties
{
    [Property(MaxTest = 200)]
    public void Priority_holds_at_every_step_and_nothing_is_sent_twice_or_lost(PositiveInt cachedCount, bool[] steps, int priorityPick)
    {
        int priority = Math.Abs(priorityPick % 3) - 1;
        int cachedTotal = cachedCount.Get % 40;
        var disk = new SimulatedDisk();
        using (var first = CacheLog.Open(disk, out _, 256, perRecord: true))
        {
            for (int i = 0; i < cachedTotal; i++) first.Append(CacheLogModel.PayloadFor(i + 1, 10));
            first.Sync();
        }
        using var log = CacheLog.Open(disk, out _, 256, perRecord: true);
        long recovered = log.LastSequence;
        var queues = new ResendQueues(log.OpenReader(), log.OpenReader(after: recovered), recovered, priority);
        var sent = new List<long>();
        long lastLive = recovered;
        bool? lastWasLive = null;
        // Each step appends a live message (true) or sends one (false); then everything left is sent.
        foreach (bool append in steps.Concat(Enumerable.Repeat(false, cachedTotal + steps.Length + 1)))
        {
            if (append) { log.Append(CacheLogModel.PayloadFor(log.LastSequence + 1, 10)); log.Sync(); continue; }
            bool liveWaits = log.LastSequence > lastLive;
            bool cachedWaits = sent.Count(s => s <= recovered) < cachedTotal;
            if (!queues.TryNext(out long seq, out var payload))
            {
                Assert.False(liveWaits || cachedWaits, "a message waits but none was sent");
                continue;
            }
            Assert.Equal(CacheLogModel.PayloadFor(seq, 10), payload.ToArray());
            bool isLive = seq > recovered;
            if (priority < 0 && !isLive) Assert.False(liveWaits, $"cached {seq} sent while a live message waits");
            if (priority > 0 && isLive) Assert.False(cachedWaits, $"live {seq} sent while a cached message waits");
            if (priority == 0 && lastWasLive == isLive) Assert.False(isLive ? cachedWaits : liveWaits, "one queue served twice while the other waits");
            if (isLive) { Assert.Equal(lastLive + 1, seq); lastLive = seq; }
            sent.Add(seq);
            lastWasLive = isLive;
            log.AcknowledgeOne(seq);
        }
        Assert.Equal(Enumerable.Range(1, (int)log.LastSequence).Select(i => (long)i), sent.Order());
        Assert.Equal(sent.Where(s => s <= recovered), sent.Where(s => s <= recovered).Order());
        Assert.Equal(0, log.Pending);
    }
}

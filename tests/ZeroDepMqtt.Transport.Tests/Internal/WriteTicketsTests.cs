using System.Threading.Tasks.Sources;
using ZeroDepMqtt.Transport.Internal;

namespace ZeroDepMqtt.Transport.Tests.Internal;

/// <summary>The counter behind queued QoS 0 publishes that cannot be cancelled (issue 16): ticket n is done once n + 1
/// publishes ended, across the 32,768-ticket ranges, with failures kept per ticket.</summary>
public sealed class WriteTicketsTests
{
    private readonly object _gate = new();

    [Fact]
    public void A_ticket_is_pending_until_every_earlier_one_ended_across_range_boundaries()
    {
        var tickets = new WriteTickets(_gate);
        const int count = WriteTickets.PerRange * 2 + 100;
        var issued = new ValueTask[count];
        lock (_gate) for (int i = 0; i < count; i++) issued[i] = tickets.Issue();
        Assert.All(issued, t => Assert.False(t.IsCompleted));
        for (int ended = 0; ended < count; ended++)
        {
            lock (_gate) tickets.OnEnded(null);
            // Only at a few points, and around the range boundaries, to stay fast: completed is exactly the prefix.
            if (ended % 4999 != 0 && ended % WriteTickets.PerRange is > 1 and < WriteTickets.PerRange - 1) continue;
            Assert.True(issued[ended].IsCompletedSuccessfully, $"ticket {ended} done after {ended + 1} ended");
            if (ended + 1 < count) Assert.False(issued[ended + 1].IsCompleted, $"ticket {ended + 1} still pending");
        }
        Assert.All(issued, t => t.GetAwaiter().GetResult());
        Assert.Equal(0, tickets.Outstanding);
    }

    [Fact]
    public void A_failed_ticket_throws_its_error_and_the_ones_around_it_do_not()
    {
        var tickets = new WriteTickets(_gate);
        ValueTask a, b, c;
        lock (_gate) { a = tickets.Issue(); b = tickets.Issue(); c = tickets.Issue(); }
        var error = new MqttClientException(MqttCloseReason.ClientDisconnected, "gave up");
        lock (_gate) { tickets.OnEnded(null); tickets.OnEnded(error); }
        Assert.True(a.IsCompletedSuccessfully);
        Assert.True(b.IsFaulted);
        Assert.Same(error, Assert.Throws<MqttClientException>(() => b.GetAwaiter().GetResult()));
        Assert.False(c.IsCompleted);
        lock (_gate) tickets.OnEnded(null);
        Assert.True(c.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Awaiters_resume_off_the_lock_when_their_ticket_ends_and_not_before()
    {
        var tickets = new WriteTickets(_gate);
        ValueTask first, second;
        lock (_gate) { first = tickets.Issue(); second = tickets.Issue(); }
        var awaitingSecond = AwaitAsync(second);
        var awaitingFirst = AwaitAsync(first);
        lock (_gate) tickets.OnEnded(null);
        Assert.True(await awaitingFirst.WaitAsync(TimeSpan.FromSeconds(10)), "resumed without holding the client's lock");
        Assert.False(awaitingSecond.IsCompleted);
        lock (_gate) tickets.OnEnded(null);
        Assert.True(await awaitingSecond.WaitAsync(TimeSpan.FromSeconds(10)));

        async Task<bool> AwaitAsync(ValueTask t)
        {
            await t.ConfigureAwait(false);
            return !Monitor.IsEntered(_gate);
        }
    }

    [Fact]
    public async Task Many_awaiters_registered_in_any_order_resume_exactly_when_their_ticket_ended()
    {
        var tickets = new WriteTickets(_gate);
        const int count = 2000;
        var issued = new ValueTask[count];
        lock (_gate) for (int i = 0; i < count; i++) issued[i] = tickets.Issue();
        var resumed = new TaskCompletionSource[count];
        foreach (int i in Enumerable.Range(0, count).OrderBy(i => (i * 7919) % count))
        {
            var done = resumed[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            issued[i].GetAwaiter().UnsafeOnCompleted(done.SetResult);
        }
        lock (_gate) for (int i = 0; i < count / 2; i++) tickets.OnEnded(null);
        await Task.WhenAll(resumed.Take(count / 2).Select(r => r.Task)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(resumed.Skip(count / 2), r => Assert.False(r.Task.IsCompleted));
        lock (_gate) for (int i = count / 2; i < count; i++) tickets.OnEnded(null);
        await Task.WhenAll(resumed.Select(r => r.Task)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(issued, t => t.GetAwaiter().GetResult());
    }

    [Fact]
    public void A_continuation_registered_after_the_end_still_runs()
    {
        var tickets = new WriteTickets(_gate);
        ValueTask t;
        lock (_gate) { t = tickets.Issue(); tickets.OnEnded(null); }
        using var ran = new ManualResetEventSlim();
        t.GetAwaiter().UnsafeOnCompleted(ran.Set);
        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)));
    }
}

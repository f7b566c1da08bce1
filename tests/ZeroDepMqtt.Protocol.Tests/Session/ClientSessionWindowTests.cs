using ZeroDepMqtt.Protocol.Packets;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class ClientSessionWindowTests
{
    private const QualityOfService Q0 = QualityOfService.AtMostOnce;
    private const QualityOfService Q1 = QualityOfService.AtLeastOnce;
    private const QualityOfService Q2 = QualityOfService.ExactlyOnce;

    [Fact]
    public void Never_more_than_max_in_flight_the_rest_waits_in_order()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 3));
        b.Connect();
        for (int i = 0; i < 8; i++) b.Publish(i, i % 2 == 0 ? Q1 : Q2);
        var first = b.Flush();
        Assert.Equal([0, 1, 2], first.Select(p => p.Tag));
        Assert.Equal((3, 5), (b.Session.InFlightCount, b.Session.QueuedCount));
        Assert.False(b.Session.HasOutgoing);

        b.PubRec(first[1].PacketId);              // PUBREC frees nothing: the window counts until PUBCOMP
        Assert.Equal(PacketType.PubRel, Assert.Single(b.Flush()).Type);
        b.PubAck(first[0].PacketId);
        Assert.Equal([3], b.Flush().Select(p => p.Tag));
        b.PubComp(first[1].PacketId);
        Assert.Equal([4], b.Flush().Select(p => p.Tag));
        Assert.Equal(3, b.Session.InFlightCount);
    }

    [Fact]
    public void Qos0_behind_a_blocked_qos1_keeps_its_place()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 1));
        b.Connect();
        b.Publish(0, Q1);
        b.Publish(1, Q1);
        b.Publish(2, Q0);
        var first = b.Flush();
        Assert.Equal([0], first.Select(p => p.Tag));
        b.PubAck(first[0].PacketId);
        Assert.Equal([1, 2], b.Flush().Select(p => p.Tag));
    }

    [Fact]
    public void Try_publish_refuses_when_the_queue_is_full_and_accepts_again_after_completions()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 2, maxQueued: 3));
        b.Connect();
        for (int i = 0; i < 3; i++) b.Publish(i, Q1);
        Assert.False(b.Session.CanAccept());
        Assert.False(b.Session.TryPublish(FakeBroker.Topic, FakeBroker.PayloadOf(99), Q1, false, 99));
        Assert.Equal(3, b.Session.QueuedCount);   // refused publish took nothing

        var sent = b.Flush();                     // 2 go in flight, 1 stays queued
        Assert.Equal(1, b.Session.QueuedCount);
        for (int i = 3; i < 5; i++) b.Publish(i, Q1);
        Assert.False(b.Session.TryPublish(FakeBroker.Topic, FakeBroker.PayloadOf(99), Q0, false, 99));

        b.PubAck(sent[0].PacketId);
        Assert.False(b.Session.CanAccept());      // a completion frees the window, the queue moves at the next write
        Assert.Single(b.Flush());
        Assert.True(b.Session.CanAccept());
        b.Publish(5, Q1);
        Assert.DoesNotContain(b.Events(), e => e.Kind == SessionEventKind.PublishFailed);
    }

    [Fact]
    public void Queued_bytes_are_bounded_but_one_message_always_fits_an_empty_queue()
    {
        var b = new FakeBroker(FakeBroker.Options() with { MaxQueuedBytes = 10 });
        var big = new byte[20];
        Assert.True(b.Session.TryPublish(FakeBroker.Topic, big, Q1, false, 0));
        Assert.False(b.Session.TryPublish(FakeBroker.Topic, new byte[1], Q1, false, 1));
        b.Connect();
        b.Flush();
        Assert.True(b.Session.TryPublish(FakeBroker.Topic, new byte[6], Q1, false, 2));
        Assert.True(b.Session.TryPublish(FakeBroker.Topic, new byte[4], Q1, false, 3));
        Assert.False(b.Session.TryPublish(FakeBroker.Topic, new byte[1], Q1, false, 4));
    }

    [Fact]
    public void Fail_all_fails_every_queued_and_in_flight_publish_exactly_once()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 3));
        b.Connect();
        for (int i = 0; i < 7; i++) b.Publish(i, (QualityOfService)(i % 3));
        var sent = b.Flush();                     // 0 (QoS 0) completes; 1, 2, 4 in flight; 3 (QoS 0) went too
        var qos2 = sent.First(p => p.QoS == Q2);
        b.PubRec(qos2.PacketId);
        b.Flush();
        Assert.True(b.Session.TrySubscribe([new Subscription("a", Q1)], "sub"));
        b.Session.ConnectionLost();
        var completedBefore = FakeBroker.Tags(b.Events(), SessionEventKind.PublishCompleted);

        b.Session.FailAll();
        var events = b.Events();
        var failed = FakeBroker.Tags(events, SessionEventKind.PublishFailed);
        Assert.Equal(7, failed.Count + completedBefore.Count);
        Assert.Equal(Enumerable.Range(0, 7), failed.Concat(completedBefore).Order());
        Assert.Equal("sub", Assert.Single(events, e => e.Kind == SessionEventKind.RequestFailed).State);
        Assert.Equal((0, 0), (b.Session.InFlightCount, b.Session.QueuedCount));

        // Nothing fails twice, and late acks for the failed ids complete nothing.
        b.Session.FailAll();
        Assert.Empty(b.Events());
        // The broker still holds the QoS 2 id past PUBREC: it is released silently, and stays reserved until PUBCOMP.
        b.Connect(sessionPresent: true);
        var release = Assert.Single(b.Flush());
        Assert.Equal((PacketType.PubRel, qos2.PacketId), (release.Type, release.PacketId));
        foreach (var p in sent.Where(p => p.QoS == Q1)) b.PubAck(p.PacketId);
        b.PubComp(qos2.PacketId);
        Assert.Empty(b.Events());

        b.Publish(100, Q1);                       // the session stays usable
        Assert.Equal(100, Assert.Single(b.Flush()).Tag);
    }

    [Fact]
    public void Options_outside_their_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientSession(FakeBroker.Options(maxInFlight: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientSession(FakeBroker.Options(maxInFlight: ClientSession.MaxWindow + 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientSession(FakeBroker.Options(maxQueued: 0)));
        _ = new ClientSession(FakeBroker.Options(maxInFlight: ClientSession.MaxWindow));
    }

    [Fact]
    public void Qos2_in_flight_is_capped_by_its_own_window_and_holds_back_what_follows_in_order()
    {
        // Mosquitto's max_inflight_messages (default 20) also caps incoming QoS 2 flows; past it the broker disconnects.
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 10, maxInFlightQoS2: 2));
        b.Connect();
        for (int i = 0; i < 3; i++) b.Publish(i, Q2);
        b.Publish(3, Q1);
        var sent = b.Flush();
        Assert.Equal([0, 1], sent.Select(p => p.Tag));
        Assert.Equal(2, b.Session.QueuedCount);

        b.PubRec(sent[0].PacketId);
        Assert.Equal([PacketType.PubRel], b.Flush().Select(p => p.Type));   // past PUBREC still counts: the broker holds it
        b.PubComp(sent[0].PacketId);
        Assert.Equal([2, 3], b.Flush().Select(p => p.Tag));
    }

    [Fact]
    public void A_full_large_window_refills_in_batches_of_an_eighth()
    {
        // With window 64 the refill batch is 8: one socket write carries 8 publishes instead of one per PUBACK.
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 64));
        b.Connect();
        for (int i = 0; i < 100; i++) b.Publish(i, Q1);
        var first = b.Flush();
        Assert.Equal(64, first.Count);
        for (int i = 0; i < 7; i++)
        {
            b.PubAck(first[i].PacketId);
            Assert.Empty(b.Flush());
        }
        b.PubAck(first[7].PacketId);
        Assert.Equal(Enumerable.Range(64, 8), b.Flush().Select(p => p.Tag));

        // Below the full mark it sends at once again, so sparse traffic waits for nothing.
        foreach (var p in first.Skip(8)) b.PubAck(p.PacketId);
        Assert.Equal(28, b.Flush().Count);
    }

    [Fact]
    public void A_publish_budget_splits_a_burst_across_writes_in_order_and_never_stalls_it()
    {
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 64));
        b.Connect();
        for (int i = 0; i < 40; i++) b.Publish(i, i % 3 == 0 ? Q0 : Q1);
        int one = FakeBroker.EncodedLength(new Sent(PacketType.Publish, 1, Q1, Topic: FakeBroker.Topic.ToString(), Payload: new byte[4]));
        var tags = new List<int>();
        int writes = 0;
        while (b.Session.HasOutgoing)
        {
            // Room for two and a half packets: the write stops after the one that spends the budget.
            var sent = b.Flush(publishBytes: one * 5 / 2);
            Assert.InRange(sent.Count, 1, 3);
            tags.AddRange(sent.Select(p => p.Tag));
            writes++;
        }
        Assert.Equal(Enumerable.Range(0, 40), tags);
        Assert.True(writes >= 14, $"{writes} writes");   // 40 packets, at most 3 a write
        Assert.Equal(0, b.Session.QueuedCount);
    }

    [Fact]
    public void A_budget_stop_does_not_end_the_batch_so_a_burst_still_fills_the_whole_window()
    {
        // A window of 64 starts a new batch only with an eighth of it free (see WindowHasRoom); a write the budget
        // stopped continues its batch, so the burst fills all 64 and does not stall at 57 until 8 acks come.
        var b = new FakeBroker(FakeBroker.Options(maxInFlight: 64));
        b.Connect();
        for (int i = 0; i < 70; i++) b.Publish(i, Q1);
        int one = FakeBroker.EncodedLength(new Sent(PacketType.Publish, 1, Q1, Topic: FakeBroker.Topic.ToString(), Payload: new byte[4]));
        while (b.Session.HasOutgoing) Assert.NotEmpty(b.Flush(publishBytes: one * 10));
        Assert.Equal((64, 6), (b.Session.InFlightCount, b.Session.QueuedCount));
    }

    [Fact]
    public void A_budget_of_zero_still_writes_one_publish()
    {
        var b = new FakeBroker();
        b.Connect();
        b.Publish(0, Q1);
        b.Publish(1, Q1);
        Assert.Equal([0], b.Flush(publishBytes: 0).Select(p => p.Tag));
        Assert.Equal([1], b.Flush(publishBytes: 0).Select(p => p.Tag));
    }
}

using System.Buffers;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

/// <summary><see cref="ClientSession.CancelAll"/>, the cancellation of a batch sharing one state: the unwritten members
/// are removed and never sent, the written ones stay in flight on their own payload copies without the state.</summary>
public sealed class ClientSessionCancelAllTests
{
    private static ClientSession Connected(int window)
    {
        var session = new ClientSession(new ClientSessionOptions { ClientId = "c", MaxInFlight = window });
        session.ConnectionUp(TimeSpan.Zero);
        session.WriteOutgoing(new ArrayBufferWriter<byte>(), TimeSpan.Zero);
        var connack = new ReadOnlySequence<byte>([0x20, 0x02, 0x00, 0x00]);
        Assert.True(MqttFrameReader.TryRead(ref connack, 1 << 20, out var frame));
        session.Receive(frame, TimeSpan.Zero, out _);
        while (session.TryGetEvent(out _)) { }
        return session;
    }

    [Fact]
    public void Unwritten_members_are_removed_and_written_ones_detached_onto_copies()
    {
        var session = Connected(window: 2);
        var batch = new object();
        var other = new object();
        var buffers = Enumerable.Range(0, 4).Select(i => new byte[] { (byte)('a' + i) }).ToArray();
        foreach (var b in buffers) Assert.True(session.TryPublish(TopicName.Create("t"), b, QualityOfService.AtLeastOnce, false, batch));
        Assert.True(session.TryPublish(TopicName.Create("t"), "z"u8.ToArray(), QualityOfService.AtLeastOnce, false, other));
        session.WriteOutgoing(new ArrayBufferWriter<byte>(), TimeSpan.Zero);   // the window of 2 writes members 0 and 1
        Assert.Equal(2, session.InFlightCount);
        Assert.Equal(3, session.QueuedCount);

        Assert.Equal(2, session.CancelAll(batch));
        Assert.Equal(1, session.QueuedCount);                                 // only the other publish is left queued
        Assert.Equal(2, session.InFlightCount);                               // the written members still await PUBACK
        foreach (var b in buffers) b[0] = (byte)'X';                          // the caller reuses its buffers

        // A new connection that kept the session re-sends the written members with DUP, from the copies, not the buffers.
        session.ConnectionLost();
        session.ConnectionUp(TimeSpan.Zero);
        session.WriteOutgoing(new ArrayBufferWriter<byte>(), TimeSpan.Zero);   // CONNECT
        var kept = new ReadOnlySequence<byte>([0x20, 0x02, 0x01, 0x00]);
        Assert.True(MqttFrameReader.TryRead(ref kept, 1 << 20, out var connack));
        session.Receive(connack, TimeSpan.Zero, out _);
        var resent = new ArrayBufferWriter<byte>();
        session.WriteOutgoing(resent, TimeSpan.Zero);
        var packets = new ReadOnlySequence<byte>(resent.WrittenMemory);
        var payloads = new List<byte>();
        while (MqttFrameReader.TryRead(ref packets, 1 << 20, out var f))
            if ((f.Header & 0xF0) == 0x30 && (f.Header & 0x08) != 0) payloads.Add(f.Body.ToArray()[^1]);
        Assert.Equal("ab"u8.ToArray(), payloads);

        // PUBACK 1 and 2 end the written members with no state (no one to tell); the other publish goes out next.
        foreach (byte id in new byte[] { 1, 2 })
        {
            var ack = new ReadOnlySequence<byte>([0x40, 0x02, 0x00, id]);
            Assert.True(MqttFrameReader.TryRead(ref ack, 1 << 20, out var frame));
            session.Receive(frame, TimeSpan.Zero, out _);
        }
        var events = new List<SessionEvent>();
        while (session.TryGetEvent(out var e)) events.Add(e);
        Assert.All(events, e => Assert.Null(e.State));
        var wire = new ArrayBufferWriter<byte>();
        session.WriteOutgoing(wire, TimeSpan.Zero);
        Assert.Equal((byte)'z', wire.WrittenSpan[^1]);                        // the next PUBLISH is the other one's
        Assert.Equal(0, session.CancelAll(batch));
    }
}

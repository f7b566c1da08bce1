using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>zdmqtt publish at QoS 2 to a broker that answers PUBACK (RabbitMQ downgrades QoS 2 to QoS 1): it stops at the
/// first such answer, says why, and exits 1; it does not reconnect and re-send.</summary>
public sealed class PublishQoS2NotSupportedTests(TestFiles files) : IClassFixture<TestFiles>
{
    [Fact]
    public async Task A_broker_that_answers_QoS_2_with_PUBACK_ends_the_run_with_that_reason_and_exit_1()
    {
        await using var broker = new ScriptedBroker();
        using var stop = new CancellationTokenSource();
        int publishes = 0;
        var serving = Task.Run(async () =>
        {
            // Like RabbitMQ: CONNACK, then PUBACK for every QoS 2 PUBLISH; closes when the client sends DISCONNECT.
            while (!stop.IsCancellationRequested)
            {
                using var peer = await broker.AcceptConnectAsync(TimeSpan.FromSeconds(60));
                await peer.WriteAsync(ScriptedConnection.ConnAckAccepted);
                try
                {
                    while (true)
                    {
                        var (first, body) = await peer.ReadPacketAsync(TimeSpan.FromSeconds(60));
                        if (first == 0xE0) break;                                             // DISCONNECT
                        if (first == 0xC0) { await peer.WriteAsync(0xD0, 0x00); continue; }  // PINGREQ
                        if (WirePublish.Is(first)) Interlocked.Increment(ref publishes);
                        if (WirePublish.Is(first) && WirePublish.Parse(first, body) is { QoS: 2 } p)
                            await peer.WriteAsync(0x40, 0x02, (byte)(p.PacketId >> 8), (byte)p.PacketId);
                    }
                }
                catch (EndOfStreamException) { }
            }
        });
        files.Write("pub-q2-rabbit.json", $$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "t", "qos": 2}""");
        var run = await Zdmqtt.InProcessAsync("a\nb\nc\n", "publish", "-c", files.PathOf("pub-q2-rabbit.json"));
        stop.Cancel();

        Assert.True(run.Code == 1, run.ToString());
        Assert.Contains("answered a QoS 2 PUBLISH with PUBACK: it does not support QoS 2 (RabbitMQ downgrades to QoS 1)", run.Err);
        Assert.DoesNotContain("   at ", run.All);
        Assert.Equal(3, Volatile.Read(ref publishes));   // each sent once: no reconnect, no re-send
    }
}

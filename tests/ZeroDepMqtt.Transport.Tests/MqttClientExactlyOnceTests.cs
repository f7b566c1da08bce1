using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using static ZeroDepMqtt.Transport.Tests.MqttClientLifecycleTests;

namespace ZeroDepMqtt.Transport.Tests;

/// <summary>
/// The client's seam for QoS 2 exactly once across process restarts (a durable store, the disk cache): caller-chosen
/// ids, PUBREL held until the store recorded PUBREC, and flows restored before the first connection, against a
/// scripted broker that keeps the session.
/// </summary>
public sealed class MqttClientExactlyOnceTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private static readonly byte[] ConnAckSessionPresent = [0x20, 0x02, 0x01, 0x00];
    private static readonly TopicName Topic = TopicName.Create("q");
    private readonly UnobservedTaskExceptions _unobserved = new();

    public void Dispose()
    {
        using (_unobserved) _unobserved.AssertNone();
    }

    private static MqttClientOptions Durable(ScriptedBroker broker, string id) => Options(broker, id) with { CleanSession = false };

    [Fact]
    [Trait("spec", "MQTT-4.3.3-1")]
    public async Task PUBREL_of_an_exactly_once_publish_waits_for_Release_and_the_chosen_id_is_used()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Durable(broker, "eo-hold"));
        await using var owned = client;
        var received = new TaskCompletionSource<ushort>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ExactlyOnceReceived += id => received.TrySetResult(id);
        var publish = client.PublishExactlyOnceAsync(Topic, "m"u8.ToArray(), retain: false, packetId: 4242, resend: false).AsTask();
        var (f, body) = await peer.ReadPacketAsync();
        var sent = WirePublish.Parse(f, body);
        Assert.Equal(((ushort)4242, false, 2), (sent.PacketId, sent.Dup, sent.QoS));
        await peer.WriteAsync(sent.Ack()!);                                                  // PUBREC 4242
        Assert.Equal(4242, await received.Task.Within(Short, "ExactlyOnceReceived was raised"));

        // A QoS 0 publish after the event: had PUBREL gone with the PUBREC, it would come first.
        await client.PublishAsync(Topic, "z"u8.ToArray());
        var (next, _) = await peer.ReadPacketAsync();
        Assert.Equal(0x30, next & 0xF0);
        Assert.False(publish.IsCompleted);

        client.Release(4242);
        Assert.Equal([0x10, 0x92], await peer.ReadUntilAsync(0x62));                        // PUBREL 4242
        await peer.WriteAsync(0x70, 0x02, 0x10, 0x92);                                      // PUBCOMP
        await publish.Within(Short, "the publish completed at PUBCOMP");
        peer.Dispose();
    }

    [Fact]
    [Trait("spec", "MQTT-2.3.1-2")]
    public async Task An_exactly_once_publish_waits_while_its_id_is_still_in_flight()
    {
        await using var broker = new ScriptedBroker();
        var (client, _, peer) = await ConnectedAsync(broker, Durable(broker, "eo-wait"));
        await using var owned = client;
        client.ExactlyOnceReceived += id => client.Release(id);   // the store is instant here
        var first = client.PublishExactlyOnceAsync(Topic, "1"u8.ToArray(), false, 7, false).AsTask();
        var second = client.PublishExactlyOnceAsync(Topic, "2"u8.ToArray(), false, 7, false).AsTask();
        var (f, body) = await peer.ReadPacketAsync();
        var one = WirePublish.Parse(f, body);
        Assert.Equal("1"u8.ToArray(), one.Payload);
        await peer.WriteAsync(one.Ack()!);
        Assert.Equal([0x00, 0x07], await peer.ReadUntilAsync(0x62));   // PUBREL 7, and not the second PUBLISH with id 7
        await peer.WriteAsync(0x70, 0x02, 0x00, 0x07);
        await first.Within(Short, "the first publish completed");
        var (f2, body2) = await peer.ReadPacketAsync();
        var two = WirePublish.Parse(f2, body2);
        Assert.Equal("2"u8.ToArray(), two.Payload);
        Assert.Equal(7, two.PacketId);
        await peer.WriteAsync(two.Ack()!);
        await peer.ReadUntilAsync(0x62);
        await peer.WriteAsync(0x70, 0x02, 0x00, 0x07);
        await second.Within(Short, "the second publish completed");
        peer.Dispose();
    }

    [Fact]
    [Trait("spec", "MQTT-4.4.0-1")]
    public async Task Restored_flows_resume_with_PUBREL_for_a_recorded_PUBREC_and_PUBLISH_with_DUP_otherwise()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient(Durable(broker, "eo-restore"));
        var released = client.RestoreExactlyOnce(Topic, "r"u8.ToArray(), false, packetId: 9, received: true).AsTask();
        var republished = client.RestoreExactlyOnce(Topic, "p"u8.ToArray(), false, packetId: 10, received: false).AsTask();
        Assert.Throws<InvalidOperationException>(() => client.RestoreExactlyOnce(Topic, "x"u8.ToArray(), false, 9, false));
        client.ExactlyOnceReceived += id => client.Release(id);
        var connecting = client.ConnectAsync().AsTask();
        var peer = await broker.AcceptConnectAsync();
        await peer.WriteAsync(ConnAckSessionPresent);
        await connecting.Within(Short, "connected");
        var (f1, b1) = await peer.ReadPacketAsync();
        Assert.Equal(0x62, f1); Assert.Equal([0x00, 0x09], b1);                         // PUBREL 9, not its PUBLISH
        var (f2, b2) = await peer.ReadPacketAsync();
        var again = WirePublish.Parse(f2, b2);
        Assert.Equal(((ushort)10, true), (again.PacketId, again.Dup));                        // PUBLISH 10 with DUP
        await peer.WriteAsync(0x70, 0x02, 0x00, 0x09);
        await released.Within(Short, "the restored released flow completed");
        await peer.WriteAsync(again.Ack()!);
        Assert.Equal([0x00, 0x0A], await peer.ReadUntilAsync(0x62));
        await peer.WriteAsync(0x70, 0x02, 0x00, 0x0A);
        await republished.Within(Short, "the restored unreceived flow completed");
        Assert.Throws<InvalidOperationException>(() => client.RestoreExactlyOnce(Topic, "x"u8.ToArray(), false, 11, false));
        output.WriteLine("restored: PUBREL 9, PUBLISH DUP 10");
        peer.Dispose();
    }
}

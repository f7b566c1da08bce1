using System.Threading.Channels;
using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests.Support;

/// <summary>Our client, set up for a broker under test; unique ids and topics; reads with deadlines.</summary>
public static class InteropClients
{
    /// <summary>How long a test waits for something the broker should do at once on loopback.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>A client id of at most 23 characters, which MQTT 3.1 brokers require (aedes refuses longer ones with code 2).</summary>
    public static string NewClientId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(23, prefix.Length + 1 + 32)];

    /// <summary>A topic no other test uses.</summary>
    public static string NewTopic(string prefix) => $"interop/{prefix}/{Guid.NewGuid():N}";

    /// <summary>Options for a plain connection to <paramref name="broker"/>, fast reconnects.</summary>
    public static MqttClientOptions Options(IBrokerUnderTest broker, string prefix, MqttProtocolVersion version = MqttProtocolVersion.V311) => new()
    {
        Broker = new BrokerAddress("127.0.0.1", broker.Port, useTls: false),
        ClientId = NewClientId(prefix),
        ProtocolVersion = version,
        Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500) },
        // A full Messages channel drops (the client's inbound policy); these subscribers count every message.
        ReceiveBufferCapacity = 1_000_000,
    };

    /// <summary>Creates and connects a client, within <see cref="Deadline"/>.</summary>
    public static async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClient(options);
        try
        {
            using var timeout = new CancellationTokenSource(Deadline);
            await client.ConnectAsync(timeout.Token);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> messages, failing with what arrived when the deadline passes first.</summary>
    public static async Task<List<MqttApplicationMessage>> ReceiveAsync(this MqttClient client, int count, TimeSpan? deadline = null)
    {
        var received = new List<MqttApplicationMessage>(count);
        using var timeout = new CancellationTokenSource(deadline ?? Deadline);
        try
        {
            while (received.Count < count) received.Add(await client.Messages.ReadAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"received {received.Count} of {count} message(s) within {(deadline ?? Deadline).TotalSeconds} s");
        }
        return received;
    }

    /// <summary>Reads messages until <paramref name="done"/> says enough, or the deadline passes; returns what arrived.</summary>
    public static async Task<List<MqttApplicationMessage>> ReceiveUntilAsync(this MqttClient client, Func<IReadOnlyList<MqttApplicationMessage>, bool> done, TimeSpan deadline)
    {
        var received = new List<MqttApplicationMessage>();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            while (!done(received)) received.Add(await client.Messages.ReadAsync(timeout.Token));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested) { }
        catch (ChannelClosedException) { }
        return received;
    }

    /// <summary>Runs <paramref name="test"/>; on failure prints the broker's log tail and rethrows.</summary>
    public static async Task OnFailureAsync(this ITestOutputHelper output, IBrokerUnderTest broker, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            output.WriteLine(broker.LogTail());
            throw;
        }
    }
}

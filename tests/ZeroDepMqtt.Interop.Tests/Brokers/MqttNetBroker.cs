using System.Collections.Concurrent;
using System.Net;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Protocol;
using MQTTnet.Server;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>MQTTnet.Server 5.2.0.1603 in this process, on 127.0.0.1 (IPv4 only). Sessions and retained messages are
/// in memory: a restart (a new server object on the same port) starts empty.</summary>
public sealed class MqttNetBroker(BrokerCredentials? credentials) : IBrokerUnderTest
{
    private const int LogCapacity = 400;
    private readonly ConcurrentQueue<string> _log = new();
    private MqttServer? _server;
    private int _port;

    /// <summary>
    /// A QoS 2 limit per client, as Mosquitto's <c>max_inflight_messages</c> after 2.0.11 (Debian 12 has 2.0.11, which
    /// acknowledges and drops instead): a QoS 2 PUBLISH of a new id while the client has this many flows open (PUBLISH
    /// taken, PUBREL not yet) is dropped unanswered and the connection closed. Null: MQTTnet's own behaviour, no limit.
    /// </summary>
    public int? QoS2Limit { get; init; }

    /// <summary>Connections closed over <see cref="QoS2Limit"/>.</summary>
    public int QoS2LimitCloses => Volatile.Read(ref _limitCloses);

    /// <summary>Each application message the broker took, by its payload as text, and how many times.</summary>
    public ConcurrentDictionary<string, int> Taken { get; } = new();

    /// <summary>The payloads of <see cref="Taken"/> in the order the broker took them, repeats included.</summary>
    public ConcurrentQueue<string> TakenInOrder { get; } = new();

    private readonly ConcurrentDictionary<string, HashSet<ushort>> _openQos2 = new();
    private readonly ConcurrentDictionary<string, bool> _closing = new();
    private int _limitCloses;

    /// <inheritdoc/>
    public string Name => "MQTTnet.Server 5.2.0.1603";

    /// <inheritdoc/>
    public int Port => _port != 0 ? _port : throw new InvalidOperationException("MQTTnet has not been started");

    /// <summary>MQTTnet's formatter reads CONNECT with protocol name <c>MQIsdp</c> and level 3 as MQTT 3.1.0
    /// (its <c>MqttProtocolVersion.V310</c>).</summary>
    public bool SupportsV310 => true;

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_server is not null) throw new InvalidOperationException("MQTTnet is running; stop it first");
        var logger = new MqttNetEventLogger();
        logger.LogMessagePublished += (_, e) => Log($"{e.LogMessage.Level} {e.LogMessage.Source}: {e.LogMessage.Message}{(e.LogMessage.Exception is { } x ? " | " + x.Message : "")}");
        var factory = new MqttServerFactory(logger);
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(_port) // 0 the first time: the listener takes a free port and writes it back
            .WithDefaultEndpointReuseAddress() // a restart binds the same port while old connections sit in TIME_WAIT
            .WithPersistentSessions() // keep CleanSession=0 sessions across reconnects, as Mosquitto and aedes do
            .WithMaxPendingMessagesPerClient(100_000) // the default 250 drops the oldest for a slow subscriber
            .Build();
        var server = factory.CreateMqttServer(options);
        server.ValidatingConnectionAsync += e =>
        {
            if (e.CleanSession == true) _openQos2.TryRemove(e.ClientId, out _);   // a clean session starts with no flows
            if (credentials is not null)
            {
                bool ok = e.UserName == credentials.UserName && e.Password == credentials.Password;
                // For a 3.1/3.1.1 client MQTTnet turns this into CONNACK return code 4 (bad user name or password).
                if (!ok) e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                Log($"validating {e.ClientId} ({e.ProtocolVersion}): {(ok ? "accepted" : "refused")}");
            }
            return Task.CompletedTask;
        };
        if (QoS2Limit is int limit) server.InterceptingInboundPacketAsync += e => LimitQoS2(server, e, limit);
        server.InterceptingPublishAsync += e =>
        {
            string payload = System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, e.ApplicationMessage.Payload);
            Taken.AddOrUpdate(payload, 1, (_, n) => n + 1);
            TakenInOrder.Enqueue(payload);
            return Task.CompletedTask;
        };
        server.ClientConnectedAsync += e => { _closing.TryRemove(e.ClientId, out _); Log($"connected {e.ClientId} ({e.ProtocolVersion})"); return Task.CompletedTask; };
        server.ClientDisconnectedAsync += e => { Log($"disconnected {e.ClientId} ({e.DisconnectType})"); return Task.CompletedTask; };
        await server.StartAsync();
        _server = server;
        _port = options.DefaultEndpointOptions.Port;
        if (_port == 0 || !await LoopbackPorts.WaitUntilAcceptsAsync(_port, TimeSpan.FromSeconds(15), () => false, cancellationToken))
            throw new InvalidOperationException($"{Name} does not accept connections on port {_port}.\n{LogTail()}");
    }

    // The flows are the broker's session state: they stay across connections until PUBREL, as a kept session's would.
    private Task LimitQoS2(MqttServer server, InterceptingPacketEventArgs e, int limit)
    {
        if (_closing.ContainsKey(e.ClientId)) { e.ProcessPacket = false; return Task.CompletedTask; }
        var open = _openQos2.GetOrAdd(e.ClientId, _ => new HashSet<ushort>());
        lock (open)
        {
            switch (e.Packet)
            {
                case MQTTnet.Packets.MqttPublishPacket { QualityOfServiceLevel: MqttQualityOfServiceLevel.ExactlyOnce } p:
                    if (open.Contains(p.PacketIdentifier) || open.Count < limit) { open.Add(p.PacketIdentifier); break; }
                    e.ProcessPacket = false;
                    _closing[e.ClientId] = true;
                    Interlocked.Increment(ref _limitCloses);
                    Log($"{e.ClientId}: QoS 2 PUBLISH {p.PacketIdentifier} over the limit of {limit}: closing");
                    // Not from inside the client's own receive loop, which the disconnect waits for.
                    _ = Task.Run(() => server.DisconnectClientAsync(e.ClientId, new MqttServerClientDisconnectOptions()));
                    break;
                case MQTTnet.Packets.MqttPubRelPacket r:
                    open.Remove(r.PacketIdentifier);
                    break;
            }
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync()
    {
        if (_server is not { } server) return;
        _server = null;
        await server.StopAsync();
        server.Dispose();
        Log("stopped");
    }

    /// <inheritdoc/>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public string LogTail(int lines = 60) => $"--- {Name} on port {_port}, last {lines} log lines ---\n" + string.Join('\n', _log.TakeLast(lines));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <inheritdoc/>
    public override string ToString() => Name;

    private void Log(string line)
    {
        _log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        while (_log.Count > LogCapacity) _log.TryDequeue(out _);
    }
}

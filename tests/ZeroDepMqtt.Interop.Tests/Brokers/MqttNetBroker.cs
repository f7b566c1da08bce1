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
            if (credentials is not null)
            {
                bool ok = e.UserName == credentials.UserName && e.Password == credentials.Password;
                // For a 3.1/3.1.1 client MQTTnet turns this into CONNACK return code 4 (bad user name or password).
                if (!ok) e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                Log($"validating {e.ClientId} ({e.ProtocolVersion}): {(ok ? "accepted" : "refused")}");
            }
            return Task.CompletedTask;
        };
        server.ClientConnectedAsync += e => { Log($"connected {e.ClientId} ({e.ProtocolVersion})"); return Task.CompletedTask; };
        server.ClientDisconnectedAsync += e => { Log($"disconnected {e.ClientId} ({e.DisconnectType})"); return Task.CompletedTask; };
        await server.StartAsync();
        _server = server;
        _port = options.DefaultEndpointOptions.Port;
        if (_port == 0 || !await LoopbackPorts.WaitUntilAcceptsAsync(_port, TimeSpan.FromSeconds(15), () => false, cancellationToken))
            throw new InvalidOperationException($"{Name} does not accept connections on port {_port}.\n{LogTail()}");
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

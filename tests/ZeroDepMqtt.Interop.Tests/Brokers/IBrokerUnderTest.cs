namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>The brokers every interop case runs against.</summary>
public enum BrokerKind
{
    /// <summary>Mosquitto 2.0.11 (Debian 12), a child process.</summary>
    Mosquitto,

    /// <summary>aedes 1.2.0 on Node.js, a child process running <c>aedes/aedes-broker.js</c>.</summary>
    Aedes,

    /// <summary>MQTTnet.Server 5.2.0.1603, in this process.</summary>
    MqttNet,
}

/// <summary>The one user a broker with credentials accepts.</summary>
public sealed record BrokerCredentials(string UserName, string Password)
{
    /// <summary>The user of the credential tests.</summary>
    public static BrokerCredentials Test { get; } = new("interop-user", "interop-right-password");

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{UserName} (password hidden)";
}

/// <summary>A broker on 127.0.0.1 that a test starts, stops and restarts. The port is chosen at the first start
/// and kept across restarts. State (sessions, retained messages) lives in memory unless the broker says otherwise.</summary>
public interface IBrokerUnderTest : IAsyncDisposable
{
    /// <summary>The broker and its version, for messages.</summary>
    string Name { get; }

    /// <summary>The listener's port; valid after <see cref="StartAsync"/>.</summary>
    int Port { get; }

    /// <summary>Whether the broker accepts MQTT 3.1 (<c>MQIsdp</c>, level 3).</summary>
    bool SupportsV310 { get; }

    /// <summary>Starts the broker and returns once its port accepts connections.</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops the broker (a clean stop) and returns once it no longer listens.</summary>
    Task StopAsync();

    /// <summary>Stops the broker and starts it again on the same port.</summary>
    Task RestartAsync(CancellationToken cancellationToken = default);

    /// <summary>The end of the broker's log, for test output on failure.</summary>
    string LogTail(int lines = 60);
}

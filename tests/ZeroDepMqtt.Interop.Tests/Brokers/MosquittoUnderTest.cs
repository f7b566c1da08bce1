using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>The transport tests' <see cref="MosquittoBroker"/> behind <see cref="IBrokerUnderTest"/>: no persistence,
/// so that a restart loses sessions like the two in-memory brokers do.</summary>
public sealed class MosquittoUnderTest(BrokerCredentials? credentials) : IBrokerUnderTest
{
    private MosquittoBroker? _broker;

    /// <inheritdoc/>
    public string Name => "Mosquitto 2.0.11";

    /// <inheritdoc/>
    public int Port => Broker.Port;

    /// <inheritdoc/>
    public bool SupportsV310 => true;

    private MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("Mosquitto has not been started");

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_broker is not null)
        {
            await _broker.StartAgainAsync(cancellationToken);
            return;
        }
        var users = credentials is null ? null : new Dictionary<string, string> { [credentials.UserName] = credentials.Password };
        _broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Users = users }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task StopAsync() => Broker.StopAsync();

    /// <inheritdoc/>
    public Task RestartAsync(CancellationToken cancellationToken = default) => Broker.RestartAsync(cancellationToken);

    /// <inheritdoc/>
    public string LogTail(int lines = 60) => _broker?.LogTail(lines) ?? "(Mosquitto never started)";

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _broker?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

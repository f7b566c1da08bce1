using System.Collections.Concurrent;

namespace ZeroDepMqtt.TestSupport;

/// <summary>Records an <see cref="MqttClient"/>'s ConnectionLost and Connected events, for tests to wait on.</summary>
public sealed class ClientEvents
{
    private readonly ConcurrentQueue<(MqttCloseReason Reason, Exception? Error)> _lost = new();
    private int _connected;

    /// <summary>Subscribes to <paramref name="client"/>'s events.</summary>
    public ClientEvents(MqttClient client)
    {
        client.ConnectionLost += (reason, error) => _lost.Enqueue((reason, error));
        client.Connected += _ => Interlocked.Increment(ref _connected);
    }

    /// <summary>Connections ended so far, in order.</summary>
    public IReadOnlyList<(MqttCloseReason Reason, Exception? Error)> Lost => [.. _lost];

    /// <summary>Connected events so far.</summary>
    public int Connected => Volatile.Read(ref _connected);

    /// <summary>Waits for the <paramref name="count"/>-th ConnectionLost and returns it.</summary>
    public async Task<(MqttCloseReason Reason, Exception? Error)> WaitForLostAsync(int count, TimeSpan timeout)
    {
        await Eventually.WaitUntilAsync(() => _lost.Count >= count, timeout, $"connection lost {count} time(s) (so far {_lost.Count})");
        return Lost[count - 1];
    }
}

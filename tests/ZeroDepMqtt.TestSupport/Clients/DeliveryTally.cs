namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// A subscribing client's tally: reads its messages and counts how often each numbered message arrived, for the
/// delivery tests (<see cref="DeliveryRun"/>) and the fault soak (bench/Soak). The caller says which messages count
/// and how their number is read from the payload.
/// </summary>
public sealed class DeliveryTally
{
    private readonly Dictionary<long, int> _counts = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _received, _duplicates;

    /// <summary>Numbers received at least once.</summary>
    public long Distinct { get { lock (_counts) return _counts.Count; } }

    /// <summary>Messages counted, duplicates included.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Copies received after the first of their number.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>How often <paramref name="number"/> arrived so far.</summary>
    public int CountOf(long number) { lock (_counts) return _counts.GetValueOrDefault(number); }

    /// <summary>Counts the messages of <paramref name="client"/> until <see cref="Stop"/>: those for which
    /// <paramref name="numberOf"/> gives a number. <paramref name="onCopy"/>, when set, sees each counted message with
    /// how often its number has now arrived (1 for the first copy).</summary>
    public async Task ReadAsync(MqttClient client, Func<MqttApplicationMessage, long?> numberOf, Action<MqttApplicationMessage, long, int>? onCopy = null)
    {
        try
        {
            await foreach (var m in client.Messages.ReadAllAsync(_stop.Token))
            {
                if (numberOf(m) is not { } number) continue;
                int copies;
                lock (_counts)
                {
                    copies = _counts.GetValueOrDefault(number) + 1;
                    _counts[number] = copies;
                }
                if (copies > 1) Interlocked.Increment(ref _duplicates);
                Interlocked.Increment(ref _received);
                onCopy?.Invoke(m, number, copies);
                Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Completes when the next message is counted, or after <paramref name="timeout"/> (a timeout is expected:
    /// it is observed here, not thrown).</summary>
    public Task ChangedAsync(TimeSpan timeout) => Volatile.Read(ref _changed).Task.WaitAsync(timeout).ContinueWith(static t => _ = t.Exception);

    /// <summary>Ends <see cref="ReadAsync"/>.</summary>
    public void Stop() => _stop.Cancel();
}

using System.Buffers.Binary;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Soak;

/// <summary>Counts each sequence number the subscriber receives.</summary>
internal sealed class CountingSubscriber
{
    private readonly Dictionary<long, int> _counts = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Distinct { get { lock (_counts) return _counts.Count; } }

    public long Received { get; private set; }

    public long Duplicates { get; private set; }

    public int CountOf(long seq) { lock (_counts) return _counts.GetValueOrDefault(seq); }

    public async Task ReadAsync(MqttClient client)
    {
        try
        {
            await foreach (var m in client.Messages.ReadAllAsync(_stop.Token))
            {
                long seq = BinaryPrimitives.ReadInt64BigEndian(m.Payload.Span);
                lock (_counts)
                {
                    Received++;
                    int c = _counts.GetValueOrDefault(seq);
                    if (c > 0) Duplicates++;
                    _counts[seq] = c + 1;
                }
                Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        catch (OperationCanceledException) { }
    }

    public Task ChangedAsync(TimeSpan timeout) => Volatile.Read(ref _changed).Task.WaitAsync(timeout).ContinueWith(static t => _ = t.Exception);   // a timeout is expected: observe it

    public void Stop() => _stop.Cancel();
}

using ZeroDepMqtt.Cli.Input;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>
/// Keeps up to <c>capacity</c> publishes outstanding, oldest first, each with the buffer its payload lives in. A
/// buffer goes back to the pool only after its publish completed (acknowledged or failed), never while the sink
/// may still read it. Acknowledgements come back in order, so waiting for the oldest wastes no capacity.
/// </summary>
internal sealed class PublishWindow(MqttSink sink, int capacity)
{
    private readonly Queue<(ValueTask Publish, InputLine Line)> _pending = new(Math.Min(capacity, 4096));

    /// <summary>Publishes that failed.</summary>
    public long Failed { get; private set; }

    /// <summary>Why the first failed publish failed.</summary>
    public string? FirstError { get; private set; }

    /// <summary>Hands <paramref name="line"/> to the sink, first waiting for the oldest publish when the window is full.
    /// Completes synchronously while there is room or the oldest publish is done already (the steady state).</summary>
    public ValueTask AddAsync(InputLine line)
    {
        if (_pending.Count >= capacity && !TryCompleteOldest()) return AddWhenOldestDoneAsync(line);
        return Publish(line);
    }

    private async ValueTask AddWhenOldestDoneAsync(InputLine line)
    {
        await CompleteOldestAsync().ConfigureAwait(false);
        await Publish(line).ConfigureAwait(false);
    }

    private ValueTask Publish(InputLine line)
    {
        ValueTask publish;
        try
        {
            // No token: a cancelled await would leave the sink reading a buffer we had returned. Ctrl-C completes the sink instead.
            publish = sink.PublishAsync(line.Memory, CancellationToken.None);
        }
        catch (Exception e)
        {
            line.Return();
            Record(e);
            return ValueTask.CompletedTask;
        }
        _pending.Enqueue((publish, line));
        // Already failed (the sink gave up): count it now, so the caller stops reading input at once.
        return publish.IsCompleted && !publish.IsCompletedSuccessfully ? DrainAsync() : ValueTask.CompletedTask;
    }

    /// <summary>Completes the oldest publish if it is done, without waiting.</summary>
    private bool TryCompleteOldest()
    {
        if (!_pending.Peek().Publish.IsCompleted) return false;
        var (publish, line) = _pending.Dequeue();
        try
        {
            publish.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Record(e);
        }
        finally
        {
            line.Return();
        }
        return true;
    }

    /// <summary>Waits for every outstanding publish.</summary>
    public async ValueTask DrainAsync()
    {
        while (_pending.Count > 0) await CompleteOldestAsync().ConfigureAwait(false);
    }

    private async ValueTask CompleteOldestAsync()
    {
        var (publish, line) = _pending.Dequeue();
        try
        {
            await publish.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Record(e);
        }
        finally
        {
            line.Return();
        }
    }

    private void Record(Exception e)
    {
        Failed++;
        FirstError ??= e.Message;
    }
}

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

    /// <summary>Lines handed to <see cref="AddAsync"/>.</summary>
    public long Added { get; private set; }

    /// <summary>Publishes that failed.</summary>
    public long Failed { get; private set; }

    /// <summary>Why the first failed publish failed.</summary>
    public string? FirstError { get; private set; }

    /// <summary>Hands <paramref name="line"/> to the sink, first waiting for the oldest publish when the window is full;
    /// false (the line not counted) when the sink no longer accepts messages because it is completing.</summary>
    public async ValueTask<bool> AddAsync(InputLine line)
    {
        if (_pending.Count >= capacity) await CompleteOldestAsync().ConfigureAwait(false);
        ValueTask publish;
        try
        {
            // No token: a cancelled await would leave the sink reading a buffer we had returned. Ctrl-C completes the sink instead.
            publish = sink.PublishAsync(line.Memory, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // A signal completed the sink between reading this line and publishing it: it stays unread input.
            line.Return();
            return false;
        }
        catch (Exception e)
        {
            Added++;
            line.Return();
            Record(e);
            return true;
        }
        Added++;
        _pending.Enqueue((publish, line));
        // Already failed (the sink gave up): count it now, so the caller stops reading input at once.
        if (publish.IsCompleted && !publish.IsCompletedSuccessfully) await DrainAsync().ConfigureAwait(false);
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

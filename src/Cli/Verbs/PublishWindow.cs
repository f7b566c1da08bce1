using ZeroDepMqtt.Cli.Input;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>
/// Keeps up to <c>capacity</c> publishes outstanding, oldest first, each with the buffer its payload lives in. A
/// buffer goes back to the pool only after its publish completed (acknowledged or failed), never while the sink
/// may still read it. Acknowledgements come back in order, so waiting for the oldest wastes no capacity.
/// </summary>
internal sealed class PublishWindow(MqttSink sink, int capacity, Action<long, string>? onRejected = null)
{
    private readonly Queue<(ValueTask Publish, InputLine Line, long Number, long Ordinal)> _pending = new(Math.Min(capacity, 4096));

    // Without shaping one line is one message, and the sink accepts the publishes it did not fail at once in call
    // order (its client admits waiters first come first served): the first Sent of them are the accepted ones.
    private readonly bool _oneMessagePerLine = !sink.Settings.ShapesMessages;
    private long _enqueued;

    /// <summary>Input lines the sink could not shape (shaping options set): they fail alone, the stream goes on.</summary>
    public long Rejected { get; private set; }

    /// <summary>Lines handed to <see cref="AddAsync"/>.</summary>
    public long Added { get; private set; }

    /// <summary>Publishes that failed.</summary>
    public long Failed { get; private set; }

    /// <summary>Why the first failed publish failed.</summary>
    public string? FirstError { get; private set; }

    /// <summary>Hands <paramref name="line"/> to the sink, first waiting for the oldest publish when the window is full;
    /// false (the line not counted) when the sink no longer accepts messages because it is completing. Completes
    /// synchronously while there is room or the oldest publish is done already (the steady state).</summary>
    public ValueTask<bool> AddAsync(InputLine line, long number = 0)
    {
        if (_pending.Count >= capacity && !TryCompleteOldest()) return AddWhenOldestDoneAsync(line, number);
        return Publish(line, number);
    }

    private async ValueTask<bool> AddWhenOldestDoneAsync(InputLine line, long number)
    {
        await CompleteOldestAsync().ConfigureAwait(false);
        return await Publish(line, number).ConfigureAwait(false);
    }

    private ValueTask<bool> Publish(InputLine line, long number)
    {
        ValueTask publish;
        try
        {
            // No token: a cancelled await would leave the sink reading a buffer we had returned. Ctrl-C completes the sink instead.
            publish = sink.PublishAsync(line.Memory, CancellationToken.None);
        }
        catch (Exception e) when (RefusedWhileClosing(e))
        {
            // A signal completed the sink between reading this line and publishing it: it stays unread input.
            line.Return();
            return ValueTask.FromResult(false);
        }
        catch (Exception e)
        {
            Added++;
            line.Return();
            Record(e, number);
            return ValueTask.FromResult(true);
        }
        if (publish.IsCompleted && !publish.IsCompletedSuccessfully)
        {
            // Failed at once: refused (the sink or its client is closing: unread input) or the sink gave up.
            Exception? error = null;
            try { publish.GetAwaiter().GetResult(); } catch (Exception e) { error = e; }
            line.Return();
            if (error is not null && RefusedWhileClosing(error)) return ValueTask.FromResult(false);
            Added++;
            if (error is not null) Record(error, number);
            // Count the others now, so the caller stops reading input at once.
            return DrainThenTrueAsync();
        }
        Added++;
        _pending.Enqueue((publish, line, number, _enqueued++));
        return ValueTask.FromResult(true);
    }

    // Not accepted at all because a signal is completing the sink: the sink says so, or its client is disconnecting.
    private static bool RefusedWhileClosing(Exception e)
        => e is InvalidOperationException or ZeroDepMqtt.Transport.MqttClientException { Reason: ZeroDepMqtt.Transport.MqttCloseReason.ClientDisconnected };

    private async ValueTask<bool> DrainThenTrueAsync()
    {
        await DrainAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Completes the oldest publish if it is done, without waiting.</summary>
    private bool TryCompleteOldest()
    {
        if (!_pending.Peek().Publish.IsCompleted) return false;
        var (publish, line, number, ordinal) = _pending.Dequeue();
        try
        {
            publish.GetAwaiter().GetResult();
        }
        catch (Exception e) when (RefusedWhileClosing(e))
        {
            FailedWhileClosing(ordinal);
        }
        catch (Exception e)
        {
            Record(e, number);
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
        var (publish, line, number, ordinal) = _pending.Dequeue();
        try
        {
            await publish.ConfigureAwait(false);
        }
        catch (Exception e) when (RefusedWhileClosing(e))
        {
            FailedWhileClosing(ordinal);
        }
        catch (Exception e)
        {
            Record(e, number);
        }
        finally
        {
            line.Return();
        }
    }

    // A publish failed because the sink was completing. Still waiting for queue room, it was never accepted: unread
    // input, not counted. Accepted and then cut off by the disconnect timeout, it stays counted: the sink reports it
    // not acknowledged, and the summary's counts must add up to the lines it names. The sink no longer accepts
    // anything once its publishes fail this way, so its Sent count is final here.
    private void FailedWhileClosing(long ordinal)
    {
        if (_oneMessagePerLine && ordinal < sink.Sent) return;
        Added--;
    }

    private void Record(Exception e, long number)
    {
        if (e is MqttSinkException { Kind: SinkErrorKind.InvalidMessage })
        {
            Rejected++;
            onRejected?.Invoke(number, e.Message);
            return;
        }
        Failed++;
        FirstError ??= e.Message;
    }
}

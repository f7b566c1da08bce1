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

    // Batched mode (a sink that publishes batches, shaped or not): lines of one input block go to the sink as one
    // PublishManyAsync of up to BatchSize, one completion per batch. The lines held by outstanding batches, oldest
    // first, and each batch's task, line count and lines rejected by shaping; a batch's payload array is reused once
    // its task ended.
    // 2,048: at QoS 0 the shaped producer is slower than the socket, so the sender goes idle after every batch and
    // is woken for the next; at 512 those wake-ups (and the idle thread pool's spinning) cost more than the shaping.
    internal const int BatchSize = 2048;
    private readonly bool _batched = sink.PublishesBatches;
    private readonly Queue<(InputLine Line, long Number)> _batchLines = new();
    // FirstOrdinal: the ordinal of the batch's first message among those handed to the client (of its first line when
    // one line is one message); Messages: how many it handed over (shaped), Rejected: its lines that could not be shaped.
    private readonly Queue<(ValueTask Publish, ReadOnlyMemory<byte>[] Payloads, int Count, long FirstOrdinal, int Messages, int Rejected)> _batches = new();

    // Shaped batches: the line numbers of the batch being gathered, for the sink's rejection callback, which runs
    // within the PublishManyAsync call (so one array serves every batch).
    private long[]? _currentNumbers;
    private int _rejectedInCall;
    private Action<int, string>? _onBatchRejected;
    private readonly Stack<ReadOnlyMemory<byte>[]> _freeArrays = new();
    private ReadOnlyMemory<byte>[]? _current;
    private int _currentCount;

    /// <summary>Input lines the sink could not shape (shaping options set): they fail alone, the stream goes on.</summary>
    public long Rejected { get; private set; }

    /// <summary>Lines handed to <see cref="AddAsync"/>.</summary>
    public long Added { get; private set; }

    /// <summary>Batches handed to the sink (batched mode).</summary>
    internal long BatchesSent { get; private set; }

    /// <summary>Publishes that failed.</summary>
    public long Failed { get; private set; }

    /// <summary>Why the first failed publish failed.</summary>
    public string? FirstError { get; private set; }

    /// <summary>Hands <paramref name="line"/> to the sink, first waiting for the oldest publish when the window is full;
    /// false (the line not counted) when the sink no longer accepts messages because it is completing. Completes
    /// synchronously while there is room or the oldest publish is done already (the steady state).</summary>
    public ValueTask<bool> AddAsync(InputLine line, long number = 0)
    {
        if (_batched) return AddToBatchAsync(line, number);
        if (_pending.Count >= capacity && !TryCompleteOldest()) return AddWhenOldestDoneAsync(line, number);
        return Publish(line, number);
    }

    private ValueTask<bool> AddToBatchAsync(InputLine line, long number)
    {
        if (_batchLines.Count >= capacity)
        {
            // Full: free every batch that ended, not just enough for one line. Room then opens in whole batches and
            // the next ones are full-sized again; freeing one at a time split a batch at every early flush (each input
            // block's end), until the window held hundreds of small batches (one socket write and wake-up each).
            while (TryCompleteOldestBatch()) { }
            if (_batchLines.Count >= capacity)
            {
                // Still full: the batch being gathered goes out first (its lines count), then the oldest must end.
                if (!FlushBatch()) { line.Return(); return ValueTask.FromResult(false); }
                while (TryCompleteOldestBatch()) { }
                if (_batchLines.Count >= capacity) return AddToBatchWhenOldestDoneAsync(line, number);
            }
        }
        _current ??= _freeArrays.TryPop(out var free) ? free : new ReadOnlyMemory<byte>[BatchSize];
        if (!_oneMessagePerLine) (_currentNumbers ??= new long[BatchSize])[_currentCount] = number;
        _current[_currentCount++] = line.Memory;
        _batchLines.Enqueue((line, number));
        Added++;
        if (_currentCount == BatchSize && !FlushBatch()) return ValueTask.FromResult(false);
        return ValueTask.FromResult(true);
    }

    private async ValueTask<bool> AddToBatchWhenOldestDoneAsync(InputLine line, long number)
    {
        while (_batchLines.Count >= capacity && _batches.Count > 0) await CompleteOldestBatchAsync().ConfigureAwait(false);
        while (TryCompleteOldestBatch()) { }   // those that ended meanwhile too, as above
        return await AddToBatchAsync(line, number).ConfigureAwait(false);
    }

    /// <summary>Hands the lines gathered so far to the sink as one batch (batched mode; nothing otherwise). False when
    /// the sink refused the batch because it is completing: those lines are unread input.</summary>
    public bool FlushBatch()
    {
        if (_currentCount == 0) return true;
        var payloads = _current!;
        int count = _currentCount;
        long first = _oneMessagePerLine ? _enqueued : sink.ShapedBatchMessages;
        _current = null;
        _currentCount = 0;
        _enqueued += count;
        BatchesSent++;
        ValueTask publish;
        bool refusedWhole = false;
        try
        {
            // No token, as for single lines: a cancelled await would leave the client reading lines we had returned.
            // Shaped: a line that cannot be shaped fails alone, named by its number, as in per-line mode.
            _rejectedInCall = 0;
            publish = _oneMessagePerLine
                ? sink.PublishManyAsync(payloads.AsMemory(0, count), CancellationToken.None)
                : sink.PublishManyAsync(payloads.AsMemory(0, count), _onBatchRejected ??= OnBatchLineRejected, CancellationToken.None);
        }
        catch (Exception e)
        {
            publish = ValueTask.FromException(e);
            refusedWhole = true;   // thrown before any line was shaped or handed to the client
        }
        Exception? failedAtOnce = null;
        if (publish.IsCompleted && !publish.IsCompletedSuccessfully)
        {
            // Read once here (a pooled ValueTask may be read only once); the queue keeps a Task-backed copy.
            try { publish.GetAwaiter().GetResult(); } catch (Exception e) { failedAtOnce = e; }
            if (failedAtOnce is not null) publish = ValueTask.FromException(failedAtOnce);
        }
        // Queued even when it failed at once: batches end in order, and this one's lines are counted then.
        int messages = _oneMessagePerLine || refusedWhole ? count : (int)(sink.ShapedBatchMessages - first);
        _batches.Enqueue((publish, payloads, count, first, messages, _rejectedInCall));
        return failedAtOnce is null || !RefusedWhileClosing(failedAtOnce is ZeroDepMqtt.Transport.MqttPublishBatchException b ? b.InnerException ?? b : failedAtOnce);
    }

    // The sink could not shape the line at this index of the batch being handed over: it fails alone.
    private void OnBatchLineRejected(int index, string reason)
    {
        _rejectedInCall++;
        Rejected++;
        onRejected?.Invoke(_currentNumbers![index], reason);
    }

    private bool TryCompleteOldestBatch()
    {
        if (_batches.Count == 0 || !_batches.Peek().Publish.IsCompleted) return false;
        EndOldestBatch(null);
        return true;
    }

    private async ValueTask CompleteOldestBatchAsync()
    {
        Exception? error = null;
        try { await _batches.Peek().Publish.ConfigureAwait(false); } catch (Exception e) { error = e; }
        EndOldestBatch(error ?? NoError);
    }

    private static readonly Exception NoError = new();

    // Ends the oldest batch: counts its outcome and returns its lines and its array. error: what awaiting it threw
    // (NoError: it succeeded), or null to read the outcome from its completed task.
    private void EndOldestBatch(Exception? error)
    {
        var (publish, payloads, count, first, messages, rejected) = _batches.Dequeue();
        if (error is null)
        {
            try { publish.GetAwaiter().GetResult(); } catch (Exception e) { error = e; }
        }
        if (error is not null && !ReferenceEquals(error, NoError))
        {
            var cause = error is ZeroDepMqtt.Transport.MqttPublishBatchException b ? b.InnerException ?? b : error;
            if (RefusedWhileClosing(cause))
            {
                // As for single lines: the lines the client never accepted are unread input, the accepted ones stay
                // counted (the client accepts in order, so they are the batch's first). Shaped, a rejected line stays
                // counted too (with Rejected); exact when each line is one message (with sendSingle arrays a line's
                // unaccepted messages count as lines, never more than the batch's shaped lines).
                long accepted = Math.Clamp(sink.Sent - first, 0, messages);
                Added -= Math.Min(messages - accepted, count - rejected);
            }
            else
            {
                Failed += error is ZeroDepMqtt.Transport.MqttPublishBatchException batch ? batch.Failed : count;
                FirstError ??= cause.Message;
            }
        }
        for (int i = 0; i < count; i++) _batchLines.Dequeue().Line.Return();
        Array.Clear(payloads, 0, count);
        _freeArrays.Push(payloads);
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
        FlushBatch();
        while (_batches.Count > 0) await CompleteOldestBatchAsync().ConfigureAwait(false);
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

using System.Buffers;
using System.Threading.Channels;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// Store and forward for <see cref="MqttSink"/>: a message is accepted once its record is in the log (and fsync'ed,
/// with <see cref="CacheSyncMode.Always"/>); a forwarder reads the log in order and hands up to
/// <see cref="CacheSettings.MemoryMessages"/> messages at once to the client; each is acknowledged in the log when
/// the client's publish completed. One committer task does every write and fsync (group commit: all records
/// waiting share one fsync).
/// </summary>
internal sealed partial class DiskCache
{
    private const string LockFile = "lock";

    // How often acknowledgements alone are written (they only spare re-sends after a crash, so no hurry).
    private static readonly TimeSpan AckFlushInterval = TimeSpan.FromMilliseconds(100);

    private readonly object _gate = new();
    private readonly CacheSettings _settings;
    private readonly CacheLog _log;
    private readonly FileStream _lock;
    private readonly long _recoveredThrough;
    private readonly SemaphoreSlim _wakeCommitter = new(0, 1);
    private readonly CancellationTokenSource _stopCommitter = new(), _stopForwarding = new();
    private TaskCompletionSource _committed = NewSignal();
    private TaskCompletionSource _room = NewSignal();
    private TaskCompletionSource _readable = NewSignal();
    private readonly Task _committer;
    private Task? _forwarder;
    private bool _closed, _roomWanted, _readableWanted;
    private Exception? _writeFault;
    private long _accepted, _delivered, _dropped, _fsyncs, _syncedRecords;

    // The cached (re-sent) messages: an earlier run's, and those accepted while the connection was lost (after this
    // run's first connection, until the client reconnects). _up completes when the connection is back.
    private readonly CachedRanges _cached = new();
    private bool _everConnected, _down;
    private TaskCompletionSource _up = NewSignal();

    private DiskCache(CacheSettings settings, CacheLog log, FileStream lockFile, CacheRecovery recovery)
    {
        _settings = settings;
        _log = log;
        _lock = lockFile;
        Recovery = recovery;
        _recoveredThrough = log.LastSequence;
        _ackDurable = log.AcknowledgedThrough;
        if (_recoveredThrough > 0) _cached.Add(1, _recoveredThrough);
        _committer = Task.Run(CommitLoopAsync);
    }

    /// <summary>What opening the cache found.</summary>
    public CacheRecovery Recovery { get; }

    /// <summary>The cache directory.</summary>
    public string Directory => _settings.Directory;

    /// <summary>Messages accepted by this run.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Messages delivered by this run (including ones left by an earlier run).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Messages not kept because the cache was full (dropNewest: the new one, dropOldest: the oldest pending).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages in the cache not yet delivered.</summary>
    public long Pending { get { lock (_gate) return _log.Pending; } }

    /// <summary>fsyncs made by the committer, and the records they made durable (records per fsync = ratio).</summary>
    public (long Fsyncs, long Records) SyncStats { get { lock (_gate) return (_fsyncs, _syncedRecords); } }

    /// <summary>Opens (creating) the cache directory, takes its lock, stores a generated client id, recovers the log.</summary>
    /// <exception cref="MqttSinkException">The directory cannot be used (<see cref="SinkErrorKind.CacheFailure"/>).</exception>
    public static DiskCache Open(CacheSettings settings, string clientId, bool clientIdGenerated)
    {
        string dir = settings.Directory;
        FileStream? lockFile = null;
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                // FileShare.None takes an advisory lock (flock on Unix): released by the kernel when the process dies.
                lockFile = new FileStream(Path.Combine(dir, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && System.IO.File.Exists(Path.Combine(dir, LockFile)))
            {
                throw new MqttSinkException(SinkErrorKind.CacheFailure,
                    $"cache directory {dir} is in use by another process (its lock file is held); give each sink its own cachePath");
            }
            if (clientIdGenerated) StoreClientId(dir, clientId);
            var log = CacheLog.Open(new FileCacheStorage(dir), out var recovery, perRecord: settings.AlterQueue);
            return new DiskCache(settings, log, lockFile, recovery);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lockFile?.Dispose();
            string why = e is UnauthorizedAccessException ? "permission denied" : e.Message;
            throw new MqttSinkException(SinkErrorKind.CacheFailure, $"cache directory {dir} cannot be used: {why}", e);
        }
        catch (MqttSinkException)
        {
            lockFile?.Dispose();
            throw;
        }
    }

    // Written durably before the id is first used, so that every later run (and the broker's session) agrees on it.
    private static void StoreClientId(string dir, string clientId)
    {
        string path = Path.Combine(dir, CacheChecks.ClientIdFile);
        if (System.IO.File.Exists(path)) return;
        string temporary = path + ".tmp";
        using (var f = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(System.Text.Encoding.ASCII.GetBytes(clientId + "\n"));
            f.Flush(flushToDisk: true);
        }
        System.IO.File.Move(temporary, path, overwrite: true);
        DirectorySync.Sync(dir);
    }

    /// <summary>Follows <paramref name="client"/>'s connection: a message accepted while it is lost (after the first
    /// connection, until the client reconnects) is cached, sent like an earlier run's (resendDestination,
    /// resendIndicatorField, resendInterval; with resendAlterQueue through the cached queue).</summary>
    public void Watch(MqttClient client)
    {
        client.Connected += _ =>
        {
            lock (_gate)
            {
                _everConnected = true;
                _down = false;
                _up.TrySetResult();
            }
        };
        // Raised before the next connection's Connected (the supervisor raises it before it reconnects).
        client.ConnectionLost += (_, _) =>
        {
            lock (_gate)
            {
                if (!_everConnected || _down) return;
                _down = true;
                _up = NewSignal();
            }
        };
    }

    /// <summary>Whether the cache saw the connection lost and not yet back (messages accepted now are cached; for tests).</summary>
    internal bool ConnectionDown { get { lock (_gate) return _down; } }

    /// <summary>With two queues: the log's committed sequence number when the forwarder last chose to wait for the
    /// connection instead of handing a message on (0: never; for tests).</summary>
    internal long ForwarderPausedAt { get { lock (_gate) return _pausedAt; } }

    private long _pausedAt;

    // A message just appended while the connection is lost is cached; under the lock.
    private void NoteAppendedLocked(long sequence)
    {
        if (!_down) return;
        if (!_cached.Contains(sequence - 1)) _cached.PruneThrough(_log.AcknowledgedThrough);
        _cached.Add(sequence);
    }

    /// <summary>Accepts one message: completes once its record is durable per <see cref="CacheSettings.Sync"/>.</summary>
    /// <exception cref="MqttSinkException">The cache is full and the policy is fail, or it cannot be written.</exception>
    public ValueTask AcceptAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > CacheRecord.MaxPayload)
            throw new ArgumentException($"the payload has {payload.Length} bytes; one MQTT packet holds at most {CacheRecord.MaxPayload}", nameof(payload));
        Task committed;
        lock (_gate)
        {
            if (_writeFault is { } fault) return ValueTask.FromException(fault);
            if (_closed) return ValueTask.FromException(new InvalidOperationException("the sink is completing or completed; it accepts no more messages"));
            // Behind publishes already waiting for room, in arrival order: strict order holds while the cache is full.
            if (_roomWaiters.Count > 0) return WaitForRoomLocked(payload, cancellationToken);
            if (_log.Pending >= _settings.MaxDiskMessages)
            {
                switch (_settings.FullPolicy)
                {
                    case CacheFullPolicy.Block: return WaitForRoomLocked(payload, cancellationToken);
                    case CacheFullPolicy.DropNewest: _dropped++; return ValueTask.CompletedTask;
                    case CacheFullPolicy.DropOldest when _log.DropOldest():
                        // Room for this one: the oldest pending message is given up (counted, reported).
                        _dropped++;
                        break;
                    case CacheFullPolicy.DropOldest:
                        // Everything pending still waits for its group commit, so nothing can be dropped yet: accept
                        // this one in order and drop once that commit is done (PayOwedDropsLocked). The cache then
                        // holds more than maxDiskCache messages for at most one group commit.
                        break;
                    default:
                        return ValueTask.FromException(new MqttSinkException(SinkErrorKind.CacheFull,
                            $"the cache holds maxDiskCache ({_settings.MaxDiskMessages}) messages; message not accepted (cacheFullPolicy \"fail\")"));
                }
            }
            try
            {
                NoteAppendedLocked(_log.Append(payload.Span));
            }
            catch (IOException e)
            {
                return ValueTask.FromException(new MqttSinkException(SinkErrorKind.CacheFailure, e.Message, e));
            }
            _accepted++;
            committed = _committed.Task;
        }
        if (_wakeCommitter.CurrentCount == 0) Wake();
        return new ValueTask(cancellationToken.CanBeCanceled ? committed.WaitAsync(cancellationToken) : committed);
    }

    /// <summary>A publish waiting for room (cacheFullPolicy block); its result is the group commit it joined.</summary>
    private sealed class RoomWaiter(ReadOnlyMemory<byte> payload) : TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ReadOnlyMemory<byte> Payload { get; } = payload;
        public bool Done { get; set; }
    }

    private readonly Queue<RoomWaiter> _roomWaiters = new();

    private ValueTask WaitForRoomLocked(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var waiter = new RoomWaiter(payload);
        _roomWaiters.Enqueue(waiter);
        return AwaitRoomAsync(waiter, cancellationToken);
    }

    private async ValueTask AwaitRoomAsync(RoomWaiter waiter, CancellationToken cancellationToken)
    {
        Task committed;
        using (cancellationToken.CanBeCanceled ? cancellationToken.Register(() => CancelWaiter(waiter, cancellationToken)) : default)
            committed = await waiter.Task.ConfigureAwait(false);
        await (cancellationToken.CanBeCanceled ? committed.WaitAsync(cancellationToken) : committed).ConfigureAwait(false);
    }

    // Cancelled while waiting: never appended, so the caller's buffer is free. Once appended it stays accepted.
    private void CancelWaiter(RoomWaiter waiter, CancellationToken token)
    {
        lock (_gate)
        {
            if (waiter.Done) return;
            waiter.Done = true;
            waiter.TrySetCanceled(token);
        }
    }

    // Appends waiting publishes, oldest first, while there is room; fails them all once the cache stops accepting.
    // Under the lock.
    private void AdmitRoomWaitersLocked()
    {
        bool appended = false;
        while (_roomWaiters.TryPeek(out var waiter))
        {
            if (waiter.Done) { _roomWaiters.Dequeue(); continue; }
            Exception? refused = _writeFault ?? (_closed ? new InvalidOperationException("the sink is completing or completed; it accepts no more messages") : null);
            if (refused is null && _log.Pending >= _settings.MaxDiskMessages) break;
            _roomWaiters.Dequeue();
            waiter.Done = true;
            if (refused is not null) { waiter.TrySetException(refused); continue; }
            try
            {
                NoteAppendedLocked(_log.Append(waiter.Payload.Span));
            }
            catch (IOException e)
            {
                waiter.TrySetException(new MqttSinkException(SinkErrorKind.CacheFailure, e.Message, e));
                continue;
            }
            _accepted++;
            appended = true;
            waiter.TrySetResult(_committed.Task);
        }
        if (appended) Wake();
    }

    private void Wake()
    {
        try { _wakeCommitter.Release(); }
        catch (SemaphoreFullException) { /* already awake */ }
    }

    private async Task CommitLoopAsync()
    {
        var lastSync = TimeProvider.System.GetTimestamp();
        while (true)
        {
            bool stopping = _stopCommitter.IsCancellationRequested;
            if (!stopping)
            {
                try { await _wakeCommitter.WaitAsync(AckFlushInterval, _stopCommitter.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { stopping = true; }
            }
            CommitOnce(force: stopping, ref lastSync);
            if (stopping) return;
        }
    }

    // One group commit: write what is waiting, fsync per policy, then release every publish waiting for it.
    private void CommitOnce(bool force, ref long lastSync)
    {
        TaskCompletionSource released;
        CacheLog.SyncWork? work = null;
        long records;
        lock (_gate)
        {
            bool data = _log.LastSequence > _log.Written || _releases.Count > 0 || _sentWanted
                || (_ackDurableWanted && _log.AcknowledgedThrough > _ackDurable);
            bool syncDue = _settings.Sync == CacheSyncMode.Interval && TimeProvider.System.GetElapsedTime(lastSync) >= _settings.SyncInterval;
            if (!data && !_log.HasUnflushed && !force && !syncDue) return;
            released = _committed;
            _committed = NewSignal();
            _sentWanted = false;
            records = _log.LastSequence - _log.Written;
            TakeReleasesLocked();
            try
            {
                _log.Flush();
            }
            catch (IOException e)
            {
                RetryReleasesLocked();
                // Nothing of this batch is in the log: its publishes fail, and the sink keeps going (space may come back).
                string what = IsDiskFull(e) ? $"cache disk full: cannot write the cache in {_settings.Directory}" : $"cannot write the cache in {_settings.Directory}";
                released.TrySetException(new MqttSinkException(SinkErrorKind.CacheFailure,
                    $"{what}: {e.Message}; these messages were not accepted (the ones accepted before are kept; writing goes on when there is room)", e));
                return;
            }
            if (_settings.Sync == CacheSyncMode.Always)
            {
                if (data || force) work = _log.TakeSyncWork();
            }
            else
            {
                // Accepted once written; the fsync (interval, or the final one at stop) only narrows what a power cut loses.
                _log.Commit(_log.Written);
                AdvanceAcknowledgedDurableLocked(_log.AcknowledgedWritten);
                PayOwedDropsLocked();
                SignalReadable();
                if (force || syncDue) work = _log.TakeSyncWork();
                else if (_settings.Sync == CacheSyncMode.None) _log.TakeSyncWork();
            }
        }
        if (work is not null)
        {
            try
            {
                work.Run();
            }
            catch (IOException e)
            {
                // After a failed fsync the kernel may have dropped the pages: nothing written since can be trusted.
                var fault = new MqttSinkException(SinkErrorKind.CacheFailure, $"fsync of the cache in {_settings.Directory} failed: {e.Message}", e);
                lock (_gate) { _writeFault = fault; _releasing.Clear(); AdmitRoomWaitersLocked(); }
                released.TrySetException(fault);
                return;
            }
            lastSync = TimeProvider.System.GetTimestamp();
            lock (_gate)
            {
                _log.Commit(work.Sequence);
                if (_settings.Sync == CacheSyncMode.Always) AdvanceAcknowledgedDurableLocked(work.Acknowledged);
                PayOwedDropsLocked();
                if (work.Files.Count > 0) { _fsyncs++; _syncedRecords += records; }
                SignalReadable();
            }
        }
        released.TrySetResult();
        ReleaseCommitted();
    }

    // ENOSPC (28 on Linux and macOS: .NET puts the errno in HResult) or EDQUOT (a quota: 122 on Linux, 69 on
    // macOS); on Windows ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL.
    private static bool IsDiskFull(IOException e)
        => e.HResult == 28 || e.HResult == (OperatingSystem.IsMacOS() ? 69 : 122)
        || e.HResult == unchecked((int)0x80070070) || e.HResult == unchecked((int)0x80070027);

    // dropOldest: drops the oldest pending messages while the cache holds more than maxDiskCache (accepted while
    // nothing was committed to drop); under the lock.
    private void PayOwedDropsLocked()
    {
        while (_settings.FullPolicy == CacheFullPolicy.DropOldest && _log.Pending > _settings.MaxDiskMessages && _log.DropOldest()) _dropped++;
    }

    private void SignalReadable()
    {
        if (!_readableWanted) return;
        _readableWanted = false;
        var done = _readable;
        _readable = NewSignal();
        done.TrySetResult();
    }

    private void SignalRoom()
    {
        if (!_roomWanted) return;
        _roomWanted = false;
        var done = _room;
        _room = NewSignal();
        done.TrySetResult();
    }

    /// <summary>Starts forwarding cached messages, oldest first, through <paramref name="client"/>.</summary>
    public void StartForwarding(MqttClient client, TopicName topic, TopicName? resendTopic, QualityOfService qos, bool retain, Action<Exception> onFault)
        => _forwarder = Task.Run(() => ForwardAsync(client, topic, resendTopic, qos, retain, onFault));

    // The forwarded payloads' buffers: a pool of the forwarder's own, as deep as its window. The shared pool keeps a
    // few arrays per size and thread, so a window of rented buffers returned on the acknowledging thread fell through
    // it: a new array per message (88 B at 64-byte payloads, measured by bench cached-sink-alloc). Arrays of the shared
    // pool (ResendMarker's, restored ones) may come back here: same size classes, and larger ones are dropped.
    private ArrayPool<byte> _payloads = ArrayPool<byte>.Shared;

    private readonly record struct InFlight(long Sequence, ValueTask Publish, byte[] Buffer, ushort PacketId = 0);

    private async Task ForwardAsync(MqttClient client, TopicName topic, TopicName? resendTopic, QualityOfService qos, bool retain, Action<Exception> onFault)
    {
        // At QoS 2 the client does not wait for queue room (PublishExactlyOnceAsync): keep what is outstanding within it.
        int capacity = qos == QualityOfService.ExactlyOnce ? Math.Max(1, Math.Min(_settings.MemoryMessages, client.Options.MaxQueuedMessages - 2)) : _settings.MemoryMessages;
        // QoS 2 over two queues: each message handed out is recorded first (see SentCommittedAsync), and no more are out at
        // once, restored ones included, than the client's QoS 2 window: what a restarted process re-sends first then
        // fits in the broker's quota.
        bool recordSent = qos == QualityOfService.ExactlyOnce && _settings.AlterQueue;
        if (recordSent) capacity = Math.Max(1, Math.Min(capacity, client.Options.MaxInFlightQoS2));
        // Unbounded, with the bound kept by ForwardingRoom: a bounded channel allocates a waiter each time its
        // writer blocks, which with acknowledgements as the limit is once per message.
        _payloads = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024, maxArraysPerBucket: Math.Min(capacity, 16_384) + 16);
        var window = Channel.CreateUnbounded<InFlight>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var acker = AcknowledgeAsync(window.Reader, onFault);
        CacheLog.LogReader reader;
        ResendQueues? queues = null;
        lock (_gate)
        {
            reader = _log.OpenReader();
            if (_settings.AlterQueue) queues = new ResendQueues(reader, _log.OpenReader(after: _recoveredThrough), _cached, _settings.ResendPriority);
        }
        // QoS 2 over two queues: a message whose packet id is not free yet lets the other queue go (see CanTakeExactlyOnceLocked).
        Func<long, bool>? canTake = qos == QualityOfService.ExactlyOnce && queues is not null ? CanTakeExactlyOnceLocked : null;
        var staged = recordSent ? new List<Staged>() : null;
        Task? sentCommit = null;    // the group commit that writes the staged messages' Sent records
        try
        {
            while (!_stopForwarding.IsCancellationRequested)
            {
                if (ForwardingRoom(capacity) is { } room)
                {
                    if (staged is { Count: > 0 }) { await SendStagedAsync(staged).ConfigureAwait(false); continue; }
                    await room.WaitAsync(_stopForwarding.Token).ConfigureAwait(false);
                    continue;
                }
                long seq;
                byte[] buffer;
                int length;
                Task readable;
                bool resent = false, blocked = false;
                lock (_gate)
                {
                    if (queues is not null && _down)
                    {
                        // Two queues: nothing is handed to a client without a connection, so that the order the
                        // priority gives is decided once it is back (strict order hands on up to the window).
                        seq = 0;
                        _pausedAt = _log.Committed;
                        readable = _up.Task;
                        buffer = [];
                        length = 0;
                    }
                    else if (!(queues is null ? reader.TryNext(out seq, out var payload) : queues.TryNext(canTake, out seq, out payload, out blocked)))
                    {
                        _readableWanted = true;
                        // Blocked: the next message of each queue waits for its packet id (an id freed, or the
                        // delivery watermark durable); a new message may be free to go meanwhile.
                        readable = blocked ? Task.WhenAny(IdFreedLocked(), _readable.Task) : _readable.Task;
                        buffer = [];
                        length = 0;
                    }
                    else
                    {
                        readable = Task.CompletedTask;
                        resent = _cached.Contains(seq);
                        length = payload.Length;
                        buffer = _payloads.Rent(Math.Max(1, length));
                        payload.CopyTo(buffer);
                        if (staged is not null)
                        {
                            if (!_restored.ContainsKey(seq)) { _log.AppendSent(seq); _sentWanted = true; sentCommit = _committed.Task; }
                            _forwarding++;
                            staged.Add(new Staged(seq, buffer, length, resent));
                        }
                    }
                }
                if (staged is not null && seq != 0) continue;
                if (staged is { Count: > 0 }) { await SendStagedAsync(staged).ConfigureAwait(false); continue; }
                if (seq == 0)
                {
                    if (blocked && WakeForDurableWatermark()) Wake();
                    await readable.WaitAsync(_stopForwarding.Token).ConfigureAwait(false);
                    continue;
                }
                lock (_gate) _forwarding++;
                await SendAsync(new Staged(seq, buffer, length, resent)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopForwarding.IsCancellationRequested)
        {
            // Stopping: what is in flight is still awaited below.
        }
        catch (Exception e) when (e is IOException or ChannelClosedException)
        {
            onFault(e);
        }
        window.Writer.TryComplete();
        await acker.ConfigureAwait(false);

        // One message handed to the client (counted in _forwarding already) and into the acknowledging window.
        async ValueTask SendAsync(Staged m)
        {
            var (seq, buffer, length) = (m.Sequence, m.Buffer, m.Length);
            if (m.Resent && _settings.ResendInterval > TimeSpan.Zero) await Task.Delay(_settings.ResendInterval, _stopForwarding.Token).ConfigureAwait(false);
            if (m.Resent && _settings.ResendIndicatorField is { } field && ResendMarker.TryMark(buffer.AsSpan(0, length), field, out int marked) is { } markedBuffer)
            {
                _payloads.Return(buffer);
                buffer = markedBuffer;
                length = marked;
            }
            var sendTopic = m.Resent && resendTopic is { } alternate ? alternate : topic;
            var item = qos == QualityOfService.ExactlyOnce
                ? await PublishExactlyOnceAsync(client, seq, sendTopic, buffer, length, retain, duplicate: seq <= _recoveredThrough).ConfigureAwait(false)
                : new InFlight(seq, client.PublishAsync(sendTopic, buffer.AsMemory(0, length), qos, retain), buffer);
            window.Writer.TryWrite(item);
        }

        // The staged messages' Sent records are in the log (durable per the sync policy): now their PUBLISHes may go.
        async ValueTask SendStagedAsync(List<Staged> batch)
        {
            if (sentCommit is { } commit) await SentCommittedAsync(batch, commit).ConfigureAwait(false);
            sentCommit = null;
            foreach (var m in batch) await SendAsync(m).ConfigureAwait(false);
            batch.Clear();
        }
    }

    /// <summary>A message taken from the log and not yet handed to the client.</summary>
    private readonly record struct Staged(long Sequence, byte[] Buffer, int Length, bool Resent);

    // Sent records appended since the last group commit began: the next one must sync them even with nothing else.
    private bool _sentWanted;

    /// <summary>
    /// Waits until the group commit that holds the staged messages' Sent records is done (written, and fsync'ed with
    /// cacheSync always). A commit that failed to write lost them (nothing of a failed flush is in the log): they are
    /// appended again and the wait repeats (after a pause: the disk may be full); an fsync failure stops the cache.
    /// </summary>
    private async ValueTask SentCommittedAsync(List<Staged> batch, Task commit)
    {
        while (true)
        {
            Wake();
            try
            {
                await commit.WaitAsync(_stopForwarding.Token).ConfigureAwait(false);
                return;
            }
            catch (MqttSinkException e)
            {
                lock (_gate)
                {
                    if (_writeFault is not null) throw new IOException(e.Message, e);
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(1), _stopForwarding.Token).ConfigureAwait(false);
            lock (_gate)
            {
                foreach (var m in batch)
                    if (!_restored.ContainsKey(m.Sequence) && !_log.IsAcknowledged(m.Sequence)) _log.AppendSent(m.Sequence);
                _sentWanted = true;
                commit = _committed.Task;
            }
        }
    }

    // Messages handed to the client and not yet ended; the forwarder waits at `capacity` until half of them ended, so
    // that it waits (a signal allocated) once per half window, not per message. Under _gate.
    private int _forwarding, _forwardingLow;
    private TaskCompletionSource? _forwardingRoom;

    private Task? ForwardingRoom(int capacity)
    {
        lock (_gate)
        {
            if (_forwarding + _restoredOpen < capacity) return null;
            _forwardingLow = capacity / 2;
            return (_forwardingRoom ??= NewSignal()).Task;
        }
    }

    private void ForwardingEndedLocked()
    {
        _forwarding--;
        SignalForwardingRoomLocked();
    }

    private void SignalForwardingRoomLocked()
    {
        if (_forwardingRoom is { } room && _forwarding + _restoredOpen <= _forwardingLow) { _forwardingRoom = null; room.TrySetResult(); }
    }

    // Publishes complete in order on one connection, so awaiting the oldest costs nothing and keeps the
    // acknowledgement watermark contiguous.
    private async Task AcknowledgeAsync(ChannelReader<InFlight> inFlight, Action<Exception> onFault)
    {
        bool failed = false;
        await foreach (var item in inFlight.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                try
                {
                    await item.Publish.ConfigureAwait(false);
                }
                finally
                {
                    if (item.PacketId != 0) lock (_gate) FreeIdLocked(item);
                }
                if (!failed)
                {
                    lock (_gate)
                    {
                        // A message dropOldest gave up while it was in flight is counted dropped, not delivered.
                        if (!_log.IsAcknowledged(item.Sequence)) _delivered++;
                        if (_settings.AlterQueue) _log.AcknowledgeOne(item.Sequence);
                        else _log.Acknowledge(item.Sequence);
                        AdmitRoomWaitersLocked();
                        SignalRoom();
                    }
                }
            }
            catch (Exception e)
            {
                // Not delivered: it stays in the cache, and so must everything after it (the watermark is in order).
                if (!failed) onFault(e);
                failed = true;
                _stopForwarding.Cancel();
            }
            finally
            {
                lock (_gate) ForwardingEndedLocked();
                _payloads.Return(item.Buffer);
            }
        }
    }

    /// <summary>Waits until every cached message is delivered, the forwarder stopped, or no message was delivered
    /// for <paramref name="idle"/> (a long drain keeps going while it makes progress).</summary>
    public async ValueTask<bool> WaitDrainedAsync(TimeSpan idle)
    {
        lock (_gate) { _closed = true; AdmitRoomWaitersLocked(); }
        Wake();
        long delivered = Delivered;
        long since = TimeProvider.System.GetTimestamp();
        while (true)
        {
            Task room;
            lock (_gate)
            {
                if (_log.Pending == 0) return true;
                if (_forwarder is null || _forwarder.IsCompleted) return false;
                _roomWanted = true;
                room = _room.Task;
            }
            if (Delivered != delivered) { delivered = Delivered; since = TimeProvider.System.GetTimestamp(); }
            else if (TimeProvider.System.GetElapsedTime(since) >= idle) return false;
            try { await room.WaitAsync(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false); }
            catch (TimeoutException) { /* look at progress and the forwarder again */ }
        }
    }

    /// <summary>Stops forwarding (after the client was disconnected), writes the final watermark, releases the lock,
    /// and with <see cref="CacheSettings.CleanAtStop"/> deletes the cache files when nothing is pending.</summary>
    public async ValueTask CloseAsync()
    {
        lock (_gate) { _closed = true; AdmitRoomWaitersLocked(); }
        _stopForwarding.Cancel();
        if (_forwarder is not null) await _forwarder.ConfigureAwait(false);
        _stopCommitter.Cancel();
        await _committer.ConfigureAwait(false);
        bool empty;
        lock (_gate)
        {
            try { if (_writeFault is null) _log.Sync(); }
            catch (IOException) { /* the watermark only spares re-sends */ }
            empty = _log.Pending == 0;
            _logClosed = true;
            _log.Dispose();
        }
        if (empty && _settings.CleanAtStop)
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(_settings.Directory))
                if (Path.GetFileName(path) != LockFile) System.IO.File.Delete(path);
        }
        _lock.Dispose();
        if (empty && _settings.CleanAtStop) System.IO.File.Delete(Path.Combine(_settings.Directory, LockFile));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

}

using System.Globalization;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// The durable message log: records (<see cref="CacheRecord"/>) appended to segment files <c>seg-&lt;increasing
/// key&gt;.log</c> over an <see cref="ICacheStorage"/>. Messages get increasing sequence numbers; an
/// acknowledgement watermark ("everything up to N was delivered") is itself a record. Appends collect in memory;
/// <see cref="Flush"/> writes them, <see cref="TakeSyncWork"/> says what to fsync, so that the caller can fsync
/// outside its lock (group commit), then <see cref="Commit"/> lets readers see them. Not thread-safe: the caller
/// serialises every call except <see cref="SyncWork.Run"/>, and only one thread flushes, syncs and commits.
/// </summary>
internal sealed class CacheLog : IDisposable
{
    /// <summary>Segments are rotated once they hold this many bytes (8 MiB) and are synced.</summary>
    public const long DefaultSegmentBytes = 8L << 20;

    private const string Prefix = "seg-", Suffix = ".log";

    private readonly ICacheStorage _storage;
    private readonly long _segmentBytes;
    private readonly List<Segment> _segments = [];
    private byte[] _buffer = new byte[64 * 1024];
    private int _buffered;
    private long _bufferLastSeq;
    private long _nextSeq = 1;
    private long _acknowledged, _ackWritten;
    private long _committed, _written;
    private bool _directoryDirty;
    private bool _broken;
    private int _bufferedMessages;
    private long _bufferFirstSeq;

    // Per-record acknowledgement (format version 3). Acknowledged beyond the watermark: sorted, disjoint, never
    // adjacent, every one above it. Empty in a strict-order log unless an earlier per-record run left some.
    private readonly bool _perRecord;
    private readonly List<(long From, long To)> _ranges = [];
    private readonly List<long> _unwrittenAcks = [];
    private readonly HashSet<long> _received = [];
    private readonly List<long> _sent = [];       // per record: pending QoS 2 messages handed to the client, in that order
    private bool _checkpointWanted, _checkpointWritten;

    private CacheLog(ICacheStorage storage, long segmentBytes, bool perRecord)
    {
        _storage = storage;
        _segmentBytes = segmentBytes;
        _perRecord = perRecord;
    }

    /// <summary>Messages appended and not acknowledged (including those not yet durable).</summary>
    public long Pending { get; private set; }

    /// <summary>The highest sequence number whose record is durable (per the caller's sync policy): the forwarder
    /// reads up to here.</summary>
    public long Committed => _committed;

    /// <summary>Everything up to this sequence number is acknowledged.</summary>
    public long AcknowledgedThrough => _acknowledged;

    /// <summary>The last sequence number handed out.</summary>
    public long LastSequence => _nextSeq - 1;

    /// <summary>Segment files now in the directory.</summary>
    public int SegmentCount => _segments.Count;

    /// <summary>fsync calls made (files and directory).</summary>
    public long SyncCalls { get; private set; }

    /// <summary>Opens the log in <paramref name="storage"/>: reads every segment, cuts a torn tail, skips damaged
    /// stretches (reported in <paramref name="recovery"/>), never throws for bad content.</summary>
    /// <param name="storage">The directory.</param>
    /// <param name="recovery">What was found.</param>
    /// <param name="segmentBytes">Rotation size.</param>
    /// <param name="perRecord">Messages may be acknowledged out of log order (<see cref="AcknowledgeOne"/>): ranges
    /// are recorded, any fully acknowledged segment is deleted, and every new segment starts with a checkpoint of the
    /// acknowledgement state. False: the strict-order log, byte for byte as before (it still reads ranges an earlier
    /// per-record run left).</param>
    /// <exception cref="IOException">The storage itself failed.</exception>
    public static CacheLog Open(ICacheStorage storage, out CacheRecovery recovery, long segmentBytes = DefaultSegmentBytes, bool perRecord = false)
    {
        var log = new CacheLog(storage, segmentBytes, perRecord);
        recovery = new CacheRecovery();
        log.Recover(recovery);
        return log;
    }

    private void Recover(CacheRecovery recovery)
    {
        var names = new List<(long First, string Name)>();
        foreach (var name in _storage.List())
            if (TryParseName(name, out long first)) names.Add((first, name));
        names.Sort((a, b) => a.First.CompareTo(b.First));
        var messageSeqs = new List<long>();
        var received = new HashSet<long>();
        var sent = new List<long>();
        var rawRanges = new List<(long From, long To)>();
        long lastSeq = 0, watermark = 0;
        byte[] data = [];
        for (int i = 0; i < names.Count; i++)
        {
            bool last = i == names.Count - 1;
            var file = _storage.Open(names[i].Name);
            var segment = new Segment(names[i].Name, names[i].First, file);
            long length = file.Length;
            if (length > int.MaxValue) throw new IOException($"cache segment {segment.Name} is larger than 2 GiB; it was not written by this program");
            if (data.Length < length) data = new byte[length];
            int read = ReadFully(file, data.AsSpan(0, (int)length));
            var span = data.AsSpan(0, read);
            int offset = 0;
            while (offset < span.Length)
            {
                var parse = CacheRecord.TryRead(span[offset..], out var type, out long seq, out int size);
                bool valid = parse == CacheRecord.Parse.Ok && (type != CacheRecordType.Message || seq > lastSeq);
                if (valid)
                {
                    if (type == CacheRecordType.Message)
                    {
                        lastSeq = seq; segment.LastSeq = seq; messageSeqs.Add(seq);
                        if (segment.Messages++ == 0) segment.FirstMessage = seq;
                    }
                    else if (type == CacheRecordType.Received) received.Add(seq);
                    else if (type == CacheRecordType.Sent) sent.Add(seq);
                    else if (type == CacheRecordType.AcknowledgedRange) rawRanges.Add((seq, CacheRecord.RangeEnd(span[offset..])));
                    else watermark = Math.Max(watermark, seq);
                    offset += size;
                    continue;
                }
                int next = Resync(span, offset + 1, lastSeq);
                if (next < 0)
                {
                    recovery.Damage.Add(new CacheDamage(segment.Name, offset, span.Length - offset, TornTail: last));
                    // A cut tail is gone: new records are appended at this offset, so it must not stay a skip.
                    if (last) file.Truncate(offset);
                    else segment.Skips.Add((offset, span.Length));
                    break;
                }
                recovery.Damage.Add(new CacheDamage(segment.Name, offset, next - offset, TornTail: false));
                segment.Skips.Add((offset, next));
                offset = next;
            }
            segment.End = last ? offset : span.Length;
            _segments.Add(segment);
        }
        recovery.Segments = names.Count;
        _nextSeq = Math.Max(lastSeq, watermark) + 1;
        _acknowledged = _ackWritten = watermark;
        int firstPending = messageSeqs.BinarySearch(watermark + 1);
        if (firstPending < 0) firstPending = ~firstPending;
        Pending = recovery.Pending = messageSeqs.Count - firstPending;
        if (rawRanges.Count > 0) RecoverRanges(rawRanges, messageSeqs, firstPending, lastSeq, recovery);
        received.RemoveWhere(seq => IsAcknowledged(seq) || messageSeqs.BinarySearch(seq) < 0);
        RecoveredReceived = received;
        // In the order they were handed out (a checkpoint repeats older ones: the first record counts).
        var sentSeen = new HashSet<long>();
        sent.RemoveAll(seq => !sentSeen.Add(seq) || IsAcknowledged(seq) || messageSeqs.BinarySearch(seq) < 0);
        RecoveredSent = sent;
        if (_perRecord)
        {
            _received.UnionWith(received);
            _sent.AddRange(sent);
            // Records in older segments may be all that holds some of this state: none of them is deleted before
            // the newest segment holds it too (a checkpoint, written by the next Flush).
            _checkpointWanted = _segments.Count > 1;
        }
        _committed = _written = _bufferLastSeq = lastSeq;
        if (_segments.Count == 0) StartSegment();
        DeleteAcknowledgedSegments();
    }

    // Ranges recorded by a per-record run: the messages they cover are not pending. The state is rebuilt exact and
    // small: the watermark just below the first pending message, ranges for the gaps between pending ones (every
    // number there is acknowledged or was never a message). The sequence numbers go on after the highest range, so
    // that a stale range can never cover a new message.
    private void RecoverRanges(List<(long From, long To)> rawRanges, List<long> messageSeqs, int firstPending, long lastSeq, CacheRecovery recovery)
    {
        foreach (var (from, to) in rawRanges) AddRange(from, to);
        AdvanceWatermark();
        var pending = new List<long>();
        for (int i = firstPending; i < messageSeqs.Count; i++)
            if (!IsAcknowledged(messageSeqs[i])) pending.Add(messageSeqs[i]);
        long highest = Math.Max(lastSeq, Math.Max(_acknowledged, _ranges.Count > 0 ? _ranges[^1].To : 0));
        _nextSeq = Math.Max(_nextSeq, highest + 1);
        _ranges.Clear();
        if (pending.Count == 0) _acknowledged = Math.Max(_acknowledged, highest);
        else
        {
            _acknowledged = Math.Max(_acknowledged, pending[0] - 1);
            for (int i = 0; i + 1 < pending.Count; i++)
                if (pending[i + 1] > pending[i] + 1) _ranges.Add((pending[i] + 1, pending[i + 1] - 1));
            if (highest > pending[^1]) _ranges.Add((pending[^1] + 1, highest));
        }
        Pending = recovery.Pending = pending.Count;
        foreach (var s in _segments)
        {
            if (s.Messages == 0) continue;
            int lo = pending.BinarySearch(s.FirstMessage), hi = pending.BinarySearch(s.LastSeq + 1);
            if (lo < 0) lo = ~lo;
            if (hi < 0) hi = ~hi;
            s.Acknowledged = s.Messages - (hi - lo);
        }
    }

    /// <summary>Whether message <paramref name="sequence"/> is acknowledged (by the watermark or a range).</summary>
    public bool IsAcknowledged(long sequence) => sequence <= _acknowledged || (_ranges.Count > 0 && InRanges(sequence));

    private bool InRanges(long sequence)
    {
        int i = FirstRangeEndingAtOrAfter(sequence);
        return i < _ranges.Count && _ranges[i].From <= sequence;
    }

    private int FirstRangeEndingAtOrAfter(long sequence)
    {
        int lo = 0, hi = _ranges.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_ranges[mid].To < sequence) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    // Adds [from, to] to the ranges, merging what overlaps or touches it.
    private void AddRange(long from, long to)
    {
        int i = FirstRangeEndingAtOrAfter(from - 1), j = i;
        while (j < _ranges.Count && _ranges[j].From <= to + 1)
        {
            from = Math.Min(from, _ranges[j].From);
            to = Math.Max(to, _ranges[j].To);
            j++;
        }
        _ranges.RemoveRange(i, j - i);
        _ranges.Insert(i, (from, to));
    }

    // Moves the watermark over ranges that reach it.
    private void AdvanceWatermark()
    {
        while (_ranges.Count > 0 && _ranges[0].From <= _acknowledged + 1)
        {
            _acknowledged = Math.Max(_acknowledged, _ranges[0].To);
            _ranges.RemoveAt(0);
        }
    }

    /// <summary>Ranges acknowledged beyond <see cref="AcknowledgedThrough"/> (for tests and diagnostics).</summary>
    public int RangeCount => _ranges.Count;

    // The next offset after damage where a whole, valid message with a later sequence number starts; -1 if none.
    private static int Resync(ReadOnlySpan<byte> span, int from, long lastSeq)
    {
        for (int o = from; o + CacheRecord.HeaderSize + CacheRecord.BodyPrefix <= span.Length; o++)
            if (CacheRecord.TryRead(span[o..], out var type, out long seq, out _) == CacheRecord.Parse.Ok
                && (type != CacheRecordType.Message || seq > lastSeq))
                return o;
        return -1;
    }

    private static int ReadFully(ICacheFile file, Span<byte> into)
    {
        int total = 0;
        while (total < into.Length)
        {
            int n = file.Read(total, into[total..]);
            if (n <= 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Pending messages whose PUBREC an earlier run recorded (<see cref="AppendReceived"/>).</summary>
    public IReadOnlySet<long> RecoveredReceived { get; private set; } = new HashSet<long>();

    /// <summary>Pending messages an earlier run handed to the client at QoS 2 (<see cref="AppendSent"/>), in that order;
    /// some may also be in <see cref="RecoveredReceived"/>.</summary>
    public IReadOnlyList<long> RecoveredSent { get; private set; } = [];

    /// <summary>Records that QoS 2 message <paramref name="sequence"/> is handed to the client (a log opened with
    /// per-record acknowledgement; in memory until <see cref="Flush"/>): its PUBLISH must wait for that flush (and
    /// its sync, per the caller's policy).</summary>
    public void AppendSent(long sequence)
    {
        ThrowIfBroken();
        if (!_perRecord) throw new InvalidOperationException("the log was opened for in-order acknowledgement");
        AppendRecord(CacheRecordType.Sent, sequence, default);
        if (!IsAcknowledged(sequence)) _sent.Add(sequence);
    }

    /// <summary>Records that the broker answered message <paramref name="sequence"/> with PUBREC (in memory until
    /// <see cref="Flush"/>, durable after its sync).</summary>
    public void AppendReceived(long sequence)
    {
        ThrowIfBroken();
        AppendRecord(CacheRecordType.Received, sequence, default);
        if (_perRecord && !IsAcknowledged(sequence)) _received.Add(sequence);
    }

    /// <summary>Appends a message record (in memory until <see cref="Flush"/>); returns its sequence number.</summary>
    public long Append(ReadOnlySpan<byte> payload)
    {
        ThrowIfBroken();
        long seq = _nextSeq++;
        AppendRecord(CacheRecordType.Message, seq, payload);
        if (_bufferedMessages++ == 0) _bufferFirstSeq = seq;
        _bufferLastSeq = seq;
        Pending++;
        return seq;
    }

    private void AppendRecord(CacheRecordType type, long seq, ReadOnlySpan<byte> payload)
    {
        int size = CacheRecord.Size(payload.Length);
        if (_buffer.Length - _buffered < size)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _buffered + size));
        CacheRecord.Write(_buffer.AsSpan(_buffered, size), type, seq, payload);
        _buffered += size;
    }

    /// <summary>Records that the next pending message, <paramref name="sequence"/>, was delivered. Messages are
    /// acknowledged in order; the watermark reaches the disk with the next <see cref="Flush"/>.</summary>
    public void Acknowledge(long sequence)
    {
        if (sequence <= _acknowledged) return;
        _acknowledged = sequence;
        Pending--;
        if (_ranges.Count > 0) AdvanceWatermark();
        if (_perRecord) { _received.Remove(sequence); _sent.Remove(sequence); }
    }

    /// <summary>Records that committed message <paramref name="sequence"/> was delivered, in any order (a log opened
    /// with per-record acknowledgement): the watermark moves when it is the oldest pending one, else a range is
    /// recorded (written with the next <see cref="Flush"/>). Acknowledging it again changes nothing.</summary>
    public void AcknowledgeOne(long sequence)
    {
        if (!_perRecord) throw new InvalidOperationException("the log was opened for in-order acknowledgement");
        if (IsAcknowledged(sequence)) return;
        Pending--;
        _received.Remove(sequence);
        _sent.Remove(sequence);
        for (int i = _segments.Count - 1; i >= 0; i--)
        {
            var s = _segments[i];
            if (s.Messages == 0 || s.FirstMessage > sequence) continue;
            if (sequence <= s.LastSeq) s.Acknowledged++;
            break;
        }
        if (sequence == _acknowledged + 1)
        {
            _acknowledged = sequence;
            if (_ranges.Count > 0) AdvanceWatermark();
        }
        else
        {
            AddRange(sequence, sequence);
            _unwrittenAcks.Add(sequence);
        }
    }

    /// <summary>Gives up the oldest pending message, when it is committed: the watermark moves past it (it reaches the
    /// disk with the next <see cref="Flush"/>), readers skip it, and a later <see cref="Acknowledge"/> of it (it was in
    /// flight) changes nothing. Returns false when no pending message is committed yet.</summary>
    public bool DropOldest()
    {
        _dropReader ??= new LogReader(this, _acknowledged);
        if (!_dropReader.TryNext(out long seq, out _)) return false;
        _acknowledged = seq;
        Pending--;
        if (_ranges.Count > 0) AdvanceWatermark();
        if (_perRecord) { _received.Remove(seq); _sent.Remove(seq); }
        return true;
    }

    private LogReader? _dropReader;

    /// <summary>Writes the appended records (and the acknowledgement watermark) to the newest segment; they are
    /// durable after <see cref="TakeSyncWork"/>'s <see cref="SyncWork.Run"/>.</summary>
    /// <exception cref="IOException">The write failed (the disk is full): the records appended since the last
    /// flush are not in the log (their sequence numbers are skipped); the log stays usable.</exception>
    public void Flush()
    {
        ThrowIfBroken();
        if (_acknowledged > _ackWritten) AppendRecord(CacheRecordType.Acknowledged, _acknowledged, default);
        if (_unwrittenAcks.Count > 0) AppendUnwrittenRanges();
        if (_buffered == 0 && !_checkpointWanted) return;
        // Rotate only once the full segment is synced: a new segment never holds records while an older one still
        // has unsynced ones, so a power cut leaves no hole (only a lost tail).
        if (_segments[^1].End >= _segmentBytes && !_segments[^1].Dirty)
        {
            StartSegment();
            if (_perRecord) _checkpointWanted = true;
        }
        bool checkpoint = _checkpointWanted;
        if (checkpoint) AppendCheckpoint();
        var active = _segments[^1];
        try
        {
            active.File.Write(active.End, _buffer.AsSpan(0, _buffered));
        }
        catch (IOException)
        {
            DiscardBuffer(active);
            throw;
        }
        active.End += _buffered;
        active.LastSeq = Math.Max(active.LastSeq, _bufferLastSeq);
        active.Dirty = true;
        if (_bufferedMessages > 0)
        {
            if (active.Messages == 0) active.FirstMessage = _bufferFirstSeq;
            active.Messages += _bufferedMessages;
            _bufferedMessages = 0;
        }
        _unwrittenAcks.Clear();
        if (checkpoint) { _checkpointWanted = false; _checkpointWritten = true; }
        _written = _bufferLastSeq;
        _ackWritten = _acknowledged;
        _buffered = 0;
        if (_buffer.Length > 1 << 20) _buffer = new byte[64 * 1024];
    }

    // The acknowledgements since the last flush above the watermark, as few range records as they make.
    private void AppendUnwrittenRanges()
    {
        _unwrittenAcks.Sort();
        long from = 0, to = -1;
        foreach (long seq in _unwrittenAcks)
        {
            if (seq <= _acknowledged) continue;
            if (seq == to + 1) { to = seq; continue; }
            if (to >= from && from > 0) AppendRange(from, to);
            from = to = seq;
        }
        if (to >= from && from > 0) AppendRange(from, to);
    }

    private void AppendRange(long from, long to)
    {
        Span<byte> end = stackalloc byte[CacheRecord.RangePayload];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(end, to);
        AppendRecord(CacheRecordType.AcknowledgedRange, from, end);
    }

    // The whole acknowledgement state, into the newest segment: the watermark, the ranges beyond it, the PUBRECs of
    // pending messages, the QoS 2 hand-outs (in order). Older segments (and the records they hold) may then be deleted
    // once it is durable.
    private void AppendCheckpoint()
    {
        if (_acknowledged > 0) AppendRecord(CacheRecordType.Acknowledged, _acknowledged, default);
        foreach (var (from, to) in _ranges) AppendRange(from, to);
        foreach (long seq in _received) AppendRecord(CacheRecordType.Received, seq, default);
        foreach (long seq in _sent) AppendRecord(CacheRecordType.Sent, seq, default);
    }

    /// <summary>The acknowledgement watermark written by the last <see cref="Flush"/> (durable after its sync).</summary>
    public long AcknowledgedWritten => _ackWritten;

    /// <summary>Whether records or an acknowledgement wait for <see cref="Flush"/>.</summary>
    public bool HasUnflushed => _buffered > 0 || _acknowledged > _ackWritten || _unwrittenAcks.Count > 0 || _checkpointWanted;

    /// <summary>The last message sequence number written by <see cref="Flush"/>.</summary>
    public long Written => _written;

    /// <summary>What must be fsync'ed for everything flushed so far to be durable.</summary>
    public SyncWork TakeSyncWork()
    {
        var work = new SyncWork(this) { Sequence = _written, Acknowledged = _ackWritten, Directory = _directoryDirty };
        foreach (var s in _segments) if (s.Dirty) { work.Files.Add(s.File); s.Dirty = false; }
        _directoryDirty = false;
        return work;
    }

    // A failed write may have left part of the batch on disk: cut it, so that no record of a message that was never
    // accepted (and whose sequence number is skipped) can come back. If even that fails, stop using the log.
    private void DiscardBuffer(Segment active)
    {
        long lost = 0;
        for (int o = 0; o < _buffered;)
        {
            CacheRecord.TryRead(_buffer.AsSpan(o, _buffered - o), out var type, out _, out int size);
            if (type == CacheRecordType.Message) lost++;
            o += size;
        }
        Pending -= lost;
        // Per record, the lost numbers are never messages: as acknowledged, the watermark can move past them.
        if (_perRecord && _bufferedMessages > 0) AddRange(_bufferFirstSeq, _bufferLastSeq);
        if (_perRecord) AdvanceWatermark();
        _bufferedMessages = 0;
        _buffered = 0;
        _bufferLastSeq = _written;
        try
        {
            active.File.Truncate(active.End);
        }
        catch (IOException)
        {
            _broken = true;
        }
    }

    /// <summary>Marks the messages up to <paramref name="sequence"/> accepted (after <see cref="SyncWork.Run"/>, or at once
    /// when the policy does not fsync) and deletes older segments whose messages are all acknowledged.</summary>
    public void Commit(long sequence)
    {
        _committed = Math.Max(_committed, sequence);
        // Everything flushed so far is durable now (per the caller's policy), a checkpoint too.
        _checkpointWritten = false;
        DeleteAcknowledgedSegments();
    }

    /// <summary>Flush, fsync and commit in one call (for tests and a clean stop).</summary>
    public void Sync()
    {
        Flush();
        var work = TakeSyncWork();
        work.Run();
        Commit(work.Sequence);
    }

    private void DeleteAcknowledgedSegments()
    {
        // The newest segment stays: it is where appends go. Deleting acknowledged messages is safe even before the
        // watermark record is durable: at worst a crash brings back later acknowledged ones (at least once).
        // One deletion per directory sync: deletions not yet durable may be undone one by one by a crash (POSIX
        // orders none of them), and an older segment coming back without the later one whose watermark or ranges
        // covered it would bring back delivered messages (found by CacheLogPerRecordProperties).
        if (_directoryDirty) return;
        if (_segments.Count > 1 && _segments[0].LastSeq <= _acknowledged) { DeleteSegment(0); return; }
        // Per record, any older segment whose messages are all acknowledged goes too, once the newest segment's
        // checkpoint is durable: the acknowledgements and PUBRECs recorded in it are then held there as well.
        if (!_perRecord || _checkpointWanted || _checkpointWritten) return;
        for (int i = 0; i < _segments.Count - 1; i++)
        {
            var s = _segments[i];
            if (s.LastSeq <= _acknowledged || (s.Messages > 0 && s.Acknowledged >= s.Messages)) { DeleteSegment(i); return; }
        }
    }

    private void DeleteSegment(int index)
    {
        var s = _segments[index];
        s.File.Dispose();
        _storage.Delete(s.Name);
        _segments.RemoveAt(index);
        _directoryDirty = true;
    }

    // Names are increasing keys: the next sequence number, or one past the newest segment's key when that is higher
    // (a segment holding only acknowledgements, or one left empty by a crash, must never be reused).
    private void StartSegment()
    {
        long key = _segments.Count == 0 ? _nextSeq : Math.Max(_nextSeq, _segments[^1].FirstSeq + 1);
        string name = Prefix + key.ToString("D20", CultureInfo.InvariantCulture) + Suffix;
        var file = _storage.Open(name);
        _segments.Add(new Segment(name, key, file));
        _directoryDirty = true;
    }

    /// <summary>Reads committed messages in order, from the oldest not acknowledged.</summary>
    public LogReader OpenReader() => new(this, _acknowledged);

    /// <summary>Reads committed messages in order, from the first after <paramref name="after"/> not acknowledged.</summary>
    public LogReader OpenReader(long after) => new(this, Math.Max(after, _acknowledged));

    private static bool TryParseName(string name, out long first)
    {
        first = 0;
        return name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out first);
    }

    private void ThrowIfBroken()
    {
        if (_broken) throw new IOException("the cache could not undo a failed write and is closed; restart to recover it");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in _segments) s.File.Dispose();
        _segments.Clear();
    }

    /// <summary>The fsyncs that make one flush durable; <see cref="Run"/> may be called outside the caller's lock.</summary>
    internal sealed class SyncWork(CacheLog log)
    {
        public List<ICacheFile> Files { get; } = [];
        public bool Directory { get; set; }
        public long Sequence { get; init; }

        /// <summary>The acknowledgement watermark this work makes durable.</summary>
        public long Acknowledged { get; init; }

        /// <summary>fsyncs the files, then the directory.</summary>
        public void Run()
        {
            foreach (var f in Files) f.Sync();
            if (Directory) log._storage.SyncDirectory();
            log.SyncCalls += Files.Count + (Directory ? 1 : 0);
        }
    }

    /// <summary>One segment file.</summary>
    private sealed class Segment(string name, long first, ICacheFile file)
    {
        public string Name { get; } = name;
        public long FirstSeq { get; } = first;
        public ICacheFile File { get; } = file;
        public long End { get; set; }
        public long LastSeq { get; set; }
        public bool Dirty { get; set; }

        // Messages stored here (all from FirstMessage to LastSeq), and how many of them were acknowledged one by one.
        public long FirstMessage { get; set; }
        public int Messages { get; set; }
        public int Acknowledged { get; set; }
        public List<(long Start, long End)> Skips { get; } = [];
    }

    /// <summary>
    /// Walks the messages in sequence order up to <see cref="Committed"/>, skipping acknowledged ones and damaged
    /// stretches; survives the deletion of segments it has passed. Use under the same lock as the log.
    /// </summary>
    internal sealed class LogReader
    {
        private readonly CacheLog _log;
        private long _segmentFirst;
        private long _offset;
        private long _lastSeq;
        private byte[] _chunk = new byte[64 * 1024];
        private long _chunkStart = -1;
        private int _chunkLength;

        internal LogReader(CacheLog log, long after)
        {
            _log = log;
            _lastSeq = after;
            _segmentFirst = log._segments.Count > 0 ? log._segments[0].FirstSeq : 0;
        }

        /// <summary>The sequence number of the last message returned (or skipped with <see cref="SkipThrough"/>).</summary>
        public long Position => _lastSeq;

        /// <summary>Puts back the message the last <see cref="TryNext"/> returned (read and then not taken), under the
        /// same lock hold (so that no segment was deleted in between): the next call returns it again. The reader goes
        /// back only over that record, not over what it walked past to reach it: a QoS 2 message refused again and again
        /// (its packet id held) must not cost a walk over the records before it each time (a 300,000-message drain with
        /// live data first spent its CPU re-reading the last segment, quadratic).</summary>
        public void Unread()
        {
            if (_unread is not { } back) throw new InvalidOperationException("no message to put back");
            (_segmentFirst, _offset, _lastSeq) = back;
            _unread = null;
        }

        private (long Segment, long Offset, long Last)? _unread;

        /// <summary>Skips every message up to <paramref name="sequence"/> (whole segments without reading them).</summary>
        public void SkipThrough(long sequence)
        {
            if (sequence > _lastSeq) _lastSeq = sequence;
        }

        /// <summary>The next message after the last one returned, if it is committed. The payload is valid until the
        /// next call.</summary>
        public bool TryNext(out long sequence, out ReadOnlySpan<byte> payload)
        {
            sequence = 0; payload = default;
            _unread = null;
            while (true)
            {
                int index = FindSegment();
                if (index < 0) return false;
                var s = _log._segments[index];
                foreach (var (start, end) in s.Skips)
                    if (_offset >= start && _offset < end) _offset = end;
                // Nothing after the last message returned here: the live queue need not walk a long backlog.
                if (s.LastSeq <= _lastSeq && _offset < s.End) _offset = s.End;
                if (_offset >= s.End)
                {
                    if (index == _log._segments.Count - 1) return false;
                    _segmentFirst = _log._segments[index + 1].FirstSeq;
                    _offset = 0;
                    continue;
                }
                var record = Load(s, CacheRecord.HeaderSize);
                var parse = CacheRecord.TryRead(record, out var type, out long seq, out int size);
                if (parse == CacheRecord.Parse.NeedMore)
                {
                    record = Load(s, size);
                    parse = CacheRecord.TryRead(record, out type, out seq, out size);
                }
                if (parse != CacheRecord.Parse.Ok)
                    throw new IOException($"cache segment {s.Name} changed under the running sink at offset {_offset}");
                // Skipping what is acknowledged too: dropOldest moves the watermark past messages no reader sent yet.
                if (type == CacheRecordType.Message && seq > _lastSeq && !_log.IsAcknowledged(seq))
                {
                    if (seq > _log._committed) return false;
                    _unread = (_segmentFirst, _offset, _lastSeq);
                    _offset += size;
                    _lastSeq = seq;
                    sequence = seq;
                    payload = CacheRecord.Payload(record, size);
                    return true;
                }
                _offset += size;
            }
        }

        private int FindSegment()
        {
            var segments = _log._segments;
            for (int i = 0; i < segments.Count; i++)
            {
                if (segments[i].FirstSeq == _segmentFirst) return i;
                if (segments[i].FirstSeq > _segmentFirst)
                {
                    // Ours was deleted (all acknowledged): go on with the next one from its start.
                    _segmentFirst = segments[i].FirstSeq;
                    _offset = 0;
                    return i;
                }
            }
            return -1;
        }

        // The bytes at the reader's offset, at least `need` of them when the segment has them.
        private ReadOnlySpan<byte> Load(Segment s, int need)
        {
            long available = s.End - _offset;
            if (_chunkStart < 0 || _offset < _chunkStart || _offset + Math.Min(need, available) > _chunkStart + _chunkLength
                || _chunkSegment != s.FirstSeq)
            {
                if (_chunk.Length < need) _chunk = new byte[Math.Max(need, _chunk.Length * 2)];
                int want = (int)Math.Min(_chunk.Length, available);
                _chunkLength = ReadFully(s.File, _offset, _chunk.AsSpan(0, want));
                _chunkStart = _offset;
                _chunkSegment = s.FirstSeq;
            }
            int from = (int)(_offset - _chunkStart);
            int length = (int)Math.Min(_chunkLength - from, available);
            return _chunk.AsSpan(from, length);
        }

        private long _chunkSegment = -1;

        private static int ReadFully(ICacheFile file, long offset, Span<byte> into)
        {
            int total = 0;
            while (total < into.Length)
            {
                int n = file.Read(offset + total, into[total..]);
                if (n <= 0) break;
                total += n;
            }
            return total;
        }
    }
}

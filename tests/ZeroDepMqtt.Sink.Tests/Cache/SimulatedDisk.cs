using ZeroDepMqtt.Sink.Cache;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>
/// An in-memory disk with a page cache: writes and truncations are durable only after the file's fsync, new and
/// deleted names only after the directory's fsync. <see cref="Crash"/> keeps the durable state plus, per file, a
/// random prefix of what was not synced (a torn last write); <see cref="FlipBit"/> damages stored bytes;
/// <see cref="CapacityBytes"/> makes writes fail part-way with "no space left".
/// </summary>
internal sealed class SimulatedDisk(int seed = 1) : ICacheStorage
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<string, Node> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> _durableNames = new(StringComparer.Ordinal);

    /// <summary>Total bytes the disk holds; writes beyond it fail after writing what fits.</summary>
    public long CapacityBytes { get; set; } = long.MaxValue;

    /// <summary>fsyncs of files and of the directory.</summary>
    public int Syncs { get; private set; }

    /// <summary>Bytes returned by reads of every file: how much a reader walked.</summary>
    public long BytesRead { get; private set; }

    private long Used => _live.Values.Sum(n => (long)n.Current.Count);

    public IReadOnlyList<string> List() => [.. _live.Keys];

    public ICacheFile Open(string name)
    {
        if (!_live.TryGetValue(name, out var node)) _live[name] = node = new Node();
        return new File(this, node);
    }

    public void Delete(string name) => _live.Remove(name);

    public void SyncDirectory()
    {
        Syncs++;
        _durableNames.Clear();
        foreach (var (name, node) in _live) _durableNames[name] = node;
    }

    /// <summary>A power cut: every file falls back to its durable content plus a random part of what was not synced.</summary>
    public void Crash()
    {
        var names = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var (name, node) in _live.Concat(_durableNames))
        {
            if (names.ContainsKey(name)) continue;
            bool durable = _durableNames.TryGetValue(name, out var d) && ReferenceEquals(d, node);
            // A name not yet made durable may or may not survive; a deletion not made durable may be undone.
            bool live = _live.TryGetValue(name, out var l) && ReferenceEquals(l, node);
            if (!durable && _random.Next(2) == 0) continue;
            if (durable && !live && _random.Next(2) == 0) continue;
            node.Current = node.AfterCrash(_random);
            node.Durable = [.. node.Current];
            names[name] = node;
        }
        _live.Clear();
        _durableNames.Clear();
        foreach (var (name, node) in names) { _live[name] = node; _durableNames[name] = node; }
    }

    /// <summary>Flips one bit of a stored file (durably: as a bad sector would).</summary>
    public void FlipBit(string name, long offset, int bit)
    {
        var node = _live[name];
        node.Current[(int)offset] ^= (byte)(1 << bit);
        if (offset < node.Durable.Count) node.Durable[(int)offset] ^= (byte)(1 << bit);
    }

    public long LengthOf(string name) => _live[name].Current.Count;

    private sealed class Node
    {
        public List<byte> Current = [];
        public List<byte> Durable = [];

        // Unsynced changes: keep a random-length prefix of the current content beyond what it shares with the durable
        // content (the kernel wrote some pages, tearing the last write), or the durable content (nothing was written).
        public List<byte> AfterCrash(Random random)
        {
            int common = 0;
            while (common < Current.Count && common < Durable.Count && Current[common] == Durable[common]) common++;
            if (common == Current.Count && common == Durable.Count) return Current;
            if (random.Next(4) == 0) return [.. Durable];
            int keep = common + random.Next(Current.Count - common + 1);
            return Current.GetRange(0, keep);
        }
    }

    private sealed class File(SimulatedDisk disk, Node node) : ICacheFile
    {
        public long Length => node.Current.Count;

        public int Read(long offset, Span<byte> buffer)
        {
            int n = (int)Math.Max(0, Math.Min(buffer.Length, node.Current.Count - offset));
            for (int i = 0; i < n; i++) buffer[i] = node.Current[(int)offset + i];
            disk.BytesRead += n;
            return n;
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            while (node.Current.Count < offset) node.Current.Add(0);
            for (int i = 0; i < data.Length; i++)
            {
                int at = (int)offset + i;
                if (at >= node.Current.Count)
                {
                    if (disk.Used >= disk.CapacityBytes) throw new IOException("No space left on device");
                    node.Current.Add(data[i]);
                }
                else node.Current[at] = data[i];
            }
        }

        public void Sync()
        {
            disk.Syncs++;
            node.Durable = [.. node.Current];
        }

        public void Truncate(long length)
        {
            if (length < node.Current.Count) node.Current.RemoveRange((int)length, node.Current.Count - (int)length);
        }

        public void Dispose() { }
    }
}

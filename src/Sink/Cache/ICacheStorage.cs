namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// The few file operations the cache log needs, so that the log's format and recovery stay free of I/O: the real
/// directory (<see cref="FileCacheStorage"/>) in production, a simulated disk that loses unsynced writes in tests.
/// </summary>
internal interface ICacheStorage
{
    /// <summary>The names of the files in the cache directory.</summary>
    IReadOnlyList<string> List();

    /// <summary>Opens a file, creating it empty when missing.</summary>
    ICacheFile Open(string name);

    /// <summary>Deletes a file; a missing file is not an error.</summary>
    void Delete(string name);

    /// <summary>Makes the directory's entries (files created or deleted) durable.</summary>
    void SyncDirectory();
}

/// <summary>One file of the cache: positional reads and writes, an explicit fsync.</summary>
internal interface ICacheFile : IDisposable
{
    /// <summary>The file's length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns how many were read.</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>; throws <see cref="IOException"/>
    /// when the disk is full (part of it may then be written).</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes everything written so far durable (fsync).</summary>
    void Sync();

    /// <summary>Cuts the file to <paramref name="length"/> bytes.</summary>
    void Truncate(long length);
}

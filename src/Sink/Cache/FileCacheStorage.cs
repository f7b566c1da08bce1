using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// The cache directory on the real file system: positional I/O with <see cref="RandomAccess"/>, fsync through
/// <see cref="FileStream.Flush(bool)"/>, and an fsync of the directory itself (POSIX <c>open</c> + <c>fsync</c>)
/// after files were created or deleted, so that a new segment's name survives a power cut with its content.
/// </summary>
internal sealed class FileCacheStorage(string directory) : ICacheStorage
{
    public string DirectoryPath { get; } = directory;

    public IReadOnlyList<string> List()
    {
        var names = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(DirectoryPath)) names.Add(Path.GetFileName(path));
        return names;
    }

    public ICacheFile Open(string name) => new File(Path.Combine(DirectoryPath, name));

    public void Delete(string name) => System.IO.File.Delete(Path.Combine(DirectoryPath, name));

    public void SyncDirectory() => DirectorySync.Sync(DirectoryPath);

    private sealed class File : ICacheFile
    {
        private readonly FileStream _stream;
        private readonly SafeFileHandle _handle;

        public File(string path)
        {
            // FileShare.Read: the lock file already keeps a second sink out; readers (diagnostics) may look.
            _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            _handle = _stream.SafeFileHandle;
        }

        public long Length => RandomAccess.GetLength(_handle);

        public int Read(long offset, Span<byte> buffer) => RandomAccess.Read(_handle, buffer, offset);

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_handle, data, offset);

        public void Sync() => _stream.Flush(flushToDisk: true);

        public void Truncate(long length) => RandomAccess.SetLength(_handle, length);

        public void Dispose() => _stream.Dispose();
    }
}

/// <summary>fsync of a directory: .NET has no API for it, so the two libc calls (POSIX only; a no-op on Windows,
/// where NTFS journals names with the data).</summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;

    public static void Sync(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        byte[] path = new byte[System.Text.Encoding.UTF8.GetByteCount(directory) + 1];
        System.Text.Encoding.UTF8.GetBytes(directory, path);
        int fd = open(path, ReadOnly);
        if (fd < 0) throw new IOException($"cannot open cache directory \"{directory}\" to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync of cache directory \"{directory}\" failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = close(fd);
        }
    }

    // DllImport with blittable arguments (a NUL-terminated UTF-8 byte array): LibraryImport would need unsafe code.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int close(int fd);
}

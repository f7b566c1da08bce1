using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>
/// Opens a file for reading only if it is a regular file. Opening a FIFO blocks until something writes to it, so on
/// Linux and macOS the file is opened without blocking (<c>O_NONBLOCK</c>, which changes nothing for a regular file)
/// and refused when it cannot seek: a FIFO, socket or device given as a config or TLS file is an error at once.
/// </summary>
internal static class RegularFile
{
    private const int EACCES = 13, ENOENT = 2;

    public static Stream OpenRead(string path)
    {
        int flags = OperatingSystem.IsLinux() ? 0x800 | 0x80000          // O_RDONLY | O_NONBLOCK | O_CLOEXEC
                  : OperatingSystem.IsMacOS() ? 0x4 | 0x1000000
                  : -1;
        if (flags < 0) return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        int fd = open(path, flags);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EACCES) throw new UnauthorizedAccessException($"permission denied: {path}");
            if (errno == ENOENT) throw new FileNotFoundException("not found", path);
            throw new IOException($"open failed (errno {errno})");
        }
        var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize: 1);
        if (stream.CanSeek) return stream;
        stream.Dispose();
        throw new IOException("it is not a regular file (a FIFO, socket or device); give the path of a regular file");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}

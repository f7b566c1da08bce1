using System.Runtime.InteropServices;

namespace ZeroDepMqtt.Cli;

/// <summary>
/// Tells whether standard input, output or error was closed when the process started (<c>&lt;&amp;-</c>,
/// <c>&gt;&amp;-</c>, <c>2&gt;&amp;-</c>). The runtime opens its own files and pipes before <c>Main</c>, and the
/// lowest free descriptor is the one that was closed: descriptor 0 then reads one of the runtime's pipes (a read
/// that never ends) and, under Native AOT, descriptor 2 is a copy of stdout (stderr text lands on stdout). Every
/// descriptor the runtime opens has close-on-exec set, and a descriptor inherited from the parent cannot have it (it
/// would have been closed by the exec), so close-on-exec on 0, 1 or 2 means "not inherited: closed at start".
/// </summary>
internal static class StandardStreams
{
    private const int F_GETFD = 1, FD_CLOEXEC = 1;

    /// <summary>Whether descriptor <paramref name="fd"/> (0, 1 or 2) was not inherited open from the parent; false
    /// where this cannot be told (Windows).</summary>
    public static bool ClosedAtStart(int fd)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return false;
        int flags = fcntl(fd, F_GETFD);
        return flags == -1 || (flags & FD_CLOEXEC) != 0;
    }

    // F_GETFD takes no third argument; fcntl is variadic, and a call without variadic arguments is the same call
    // on every ABI .NET runs on.
    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int cmd);
}

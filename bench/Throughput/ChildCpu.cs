using System.Runtime.InteropServices;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>
/// CPU time (user + sys) of child processes that have exited and been reaped, from getrusage(RUSAGE_CHILDREN).
/// The delta around one child's run is that child's whole CPU time, even after /proc/&lt;pid&gt; is gone.
/// The broker, also a child, counts only once it exits, at the very end.
/// </summary>
internal static partial class ChildCpu
{
    private const int RusageChildren = -1;

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        private long _r0, _r1, _r2, _r3, _r4, _r5, _r6, _r7, _r8, _r9, _r10, _r11, _r12, _r13;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrusage(int who, out RUsage usage);

    public static TimeSpan Now()
    {
        if (getrusage(RusageChildren, out var u) != 0) return TimeSpan.Zero;
        return TimeSpan.FromSeconds(u.UserSeconds + u.SystemSeconds) + TimeSpan.FromMicroseconds(u.UserMicroseconds + u.SystemMicroseconds);
    }
}

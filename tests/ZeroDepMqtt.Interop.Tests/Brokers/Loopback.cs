using ZeroDepMqtt.Transport.Tests.Support;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>Ports on 127.0.0.1 for the interop brokers: <see cref="LoopbackPorts"/>, the tests' one port helper.</summary>
internal static class Loopback
{
    /// <summary>A reserved free port (<see cref="LoopbackPorts.Reserve"/>); a broker that fails to bind it is retried on another.</summary>
    public static int FreePort() => LoopbackPorts.Reserve();

    /// <summary>Polls until the port accepts a TCP connection; false at the deadline or when <paramref name="gaveUp"/> says so.</summary>
    public static Task<bool> WaitUntilAcceptsAsync(int port, TimeSpan timeout, Func<bool> gaveUp, CancellationToken cancellationToken)
        => LoopbackPorts.WaitUntilAcceptsAsync(port, timeout, gaveUp, cancellationToken);
}

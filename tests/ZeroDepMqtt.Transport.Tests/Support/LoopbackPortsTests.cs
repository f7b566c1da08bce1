using System.Net;
using System.Net.Sockets;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Transport.Tests.Support;

/// <summary>The one port helper: ports handed out once, free, and out of reach of bind(0) and of source ports.</summary>
public sealed class LoopbackPortsTests
{
    [Fact]
    public void Reserved_ports_are_distinct_free_and_below_the_ephemeral_range()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => LoopbackPorts.Reserve()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        string[] range = File.Exists("/proc/sys/net/ipv4/ip_local_port_range")
            ? File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            : ["49152"];
        int ephemeralLow = int.Parse(range[0]);
        Assert.All(ports, p => Assert.InRange(p, 10_000, ephemeralLow - 1));
        // Free when handed out: a listener can take one at once.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, LoopbackPorts.Reserve()));
        // And bind(0) never lands in the range.
        using var ephemeral = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        ephemeral.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(((IPEndPoint)ephemeral.LocalEndPoint!).Port >= ephemeralLow);
    }
}

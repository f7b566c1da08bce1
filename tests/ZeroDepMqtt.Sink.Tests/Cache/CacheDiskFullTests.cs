using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cache;

/// <summary>
/// The cache on a disk that fills up (issue 12): a 1 MiB tmpfs as cachePath. Publishes fail with "cache disk full"
/// naming the path, every message accepted before is kept, the same sink accepts again once space returns, and a
/// later run delivers exactly the accepted messages, in order. Needs root (mount); skipped, saying so, otherwise.
/// </summary>
[Collection(BrokerCollections.Plain)]
public sealed class CacheDiskFullTests(PlainMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private MosquittoBroker Broker => fixture.Broker;

    [Fact]
    public async Task A_full_disk_fails_publishes_clearly_keeps_what_was_accepted_and_the_sink_goes_on_when_space_returns()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            output.WriteLine("skipped: mounting a small tmpfs needs root on Linux");
            return;
        }
        string mount = files.PathOf("tmpfs-1m");
        Directory.CreateDirectory(mount);
        if (Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount) is { } error)
        {
            output.WriteLine($"skipped: mount -t tmpfs failed ({error}): no small file system to fill");
            return;
        }
        try
        {
            await output.OnFailureAsync(Broker, async () =>
            {
                const string topic = "cache/disk-full";
                string cache = Path.Combine(mount, "cache");
                // Room made later by deleting this: space that "returns".
                string filler = Path.Combine(mount, "filler");
                File.WriteAllBytes(filler, new byte[256 * 1024]);
                var accepted = new List<string>();
                string pad = new('x', 180);

                var down = Settings(UnusedPort(), topic, cache);
                await using (var sink = new MqttSink(down, new MqttSinkRuntimeOptions { ConnectGiveUpAfter = TimeSpan.FromSeconds(30), DisconnectTimeout = TimeSpan.FromSeconds(1) }))
                {
                    await sink.StartAsync();
                    MqttSinkException? full = null;
                    for (int i = 0; i < 20_000 && full is null; i++)
                    {
                        string message = $"a-{i}-{pad}";
                        try
                        {
                            await sink.PublishAsync(message);
                            accepted.Add(message);
                        }
                        catch (MqttSinkException e)
                        {
                            full = e;
                        }
                    }
                    Assert.NotNull(full);
                    output.WriteLine($"{accepted.Count} accepted before: {full!.Message}");
                    Assert.Equal(SinkErrorKind.CacheFailure, full.Kind);
                    Assert.Contains($"cache disk full: cannot write the cache in {cache}", full.Message);
                    Assert.True(accepted.Count > 100, $"only {accepted.Count} messages fitted");
                    // Still full: still refused, and still clearly.
                    var again = await Assert.ThrowsAsync<MqttSinkException>(async () => await sink.PublishAsync($"refused-{pad}"));
                    Assert.Contains("cache disk full", again.Message);

                    File.Delete(filler);
                    for (int i = 0; i < 200; i++)
                    {
                        string message = $"b-{i}-{pad}";
                        await sink.PublishAsync(message);
                        accepted.Add(message);
                    }
                    var completion = await sink.CompleteAsync();
                    Assert.Equal(accepted.Count, completion.Cached);
                }

                await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
                await using (var drain = new MqttSink(Settings(Broker.Port, topic, cache)))
                {
                    await drain.StartAsync();
                    Assert.Equal(accepted.Count, drain.Recovered);
                    var completion = await drain.CompleteAsync();
                    Assert.True(completion.Cached == 0, $"{completion.Cached} still cached: {completion.Reason}");
                }
                var received = await sub.WaitForAsync(accepted.Count, TimeSpan.FromSeconds(60));
                Assert.Equal(accepted, received.Select(m => Encoding.UTF8.GetString(m.Payload)));
            });
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static SinkSettings Settings(int port, string topic, string cache)
        => MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:{{port}}", "topic": "{{topic}}", "qos": 1, "clientId": "cache-disk-full", "enableCache": true, "cachePath": "{{cache}}"}""").GetSettingsOrThrow();

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Null when the command succeeded, else what it printed.
    private static string? Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? null : $"exit {p.ExitCode}: {err.Trim()}";
    }
}

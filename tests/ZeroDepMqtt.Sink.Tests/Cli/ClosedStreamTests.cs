using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>
/// zdmqtt started with a standard stream closed (issue 11, item 7), through bash as a user would start it. The
/// runtime's own files and pipes take the lowest free descriptors, so a closed 0, 1 or 2 is soon something else:
/// stdin a pipe that never ends, stderr (under Native AOT) a copy of stdout. Each case must end promptly with the
/// documented exit code and keep stdout empty. .ci/aot-smoke.sh runs the same cases on the native binary.
/// </summary>
[Collection(BrokerCollections.Plain)]
public sealed class ClosedStreamTests(PlainMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private MosquittoBroker Broker => fixture.Broker;

    private string Config(string name, string topic, int port = 0)
    {
        files.Write(name, $$"""{"server": "tcp://{{Broker.Host}}:{{(port == 0 ? Broker.Port : port)}}", "topic": "{{topic}}", "qos": 1}""");
        return files.PathOf(name);
    }

    [Fact]
    public async Task A_closed_stdin_fails_at_once_with_exit_1_and_says_why()
    {
        var run = await Zdmqtt.ShellAsync(files.Dir, "", "<&-", "publish", "-c", Config("stdin-closed.json", "closed/stdin"));

        Assert.True(run.Code == 1, run.ToString());
        Assert.Equal("", run.Out);
        Assert.Contains("zdmqtt: standard input is closed (started with <&-), so there are no lines to read; give --input FILE", run.Err);
        Assert.DoesNotContain("could not connect", run.Err); // refused before connecting
    }

    [Fact]
    public async Task A_closed_stdin_does_not_matter_with_an_input_file()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(Broker, "closed/stdin-input", qos: 1);
            files.Write("two-lines.txt", "a\nb\n");
            var run = await Zdmqtt.ShellAsync(files.Dir, "", "<&-", "publish", "-c", Config("stdin-input.json", "closed/stdin-input"), "--input", files.PathOf("two-lines.txt"));

            Assert.True(run.Code == 0, run.ToString());
            Assert.Contains("2 message(s) published to \"closed/stdin-input\" at QoS 1, all acknowledged (PUBACK)", run.Err);
            await sub.WaitForAsync(2, TimeSpan.FromSeconds(30));
        });
    }

    [Fact]
    public async Task A_closed_stderr_keeps_the_exit_code_and_stdout_empty()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(Broker, "closed/stderr", qos: 1);
            var ok = await Zdmqtt.ShellAsync(files.Dir, "one\ntwo\n", "2>&-", "publish", "-c", Config("stderr-closed.json", "closed/stderr"));
            Assert.True(ok.Code == 0, ok.ToString());
            Assert.Equal("", ok.Out);
            Assert.Equal("", ok.Err);
            await sub.WaitForAsync(2, TimeSpan.FromSeconds(30));

            // A failure too: the exit code alone tells it (3: nothing listens on the port), nothing lands on stdout.
            int closedPort = FreePort();
            var failed = await Zdmqtt.ShellAsync(files.Dir, "x\n", "2>&-", "publish", "-c", Config("stderr-refused.json", "closed/stderr", closedPort), "--give-up-after", "1");
            Assert.True(failed.Code == 3, failed.ToString());
            Assert.Equal("", failed.Out);
        });
    }

    [Fact]
    public async Task A_closed_stdout_drops_the_settings_and_validate_still_says_valid_by_its_exit_code()
    {
        var run = await Zdmqtt.ShellAsync(files.Dir, "", ">&-", "validate", "-c", Config("stdout-closed.json", "closed/stdout"));

        Assert.True(run.Code == 0, run.ToString());
        Assert.DoesNotContain("unexpected error", run.Err);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>zdmqtt publish against a plain Mosquitto: delivery, line splitting, exit codes.</summary>
[Collection(BrokerCollections.Plain)]
public sealed class PublishVerbTests(PlainMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private MosquittoBroker Broker => fixture.Broker;

    private string Config(string name, string topic, int qos, string extra = "")
    {
        files.Write(name, $$"""{"server": "tcp://{{Broker.Host}}:{{Broker.Port}}", "topic": "{{topic}}", "qos": {{qos}}{{extra}}}""");
        return files.PathOf(name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Every_line_arrives_as_one_message_and_exit_is_0(int qos)
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            string topic = $"cli/lines/q{qos}";
            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 2);
            var lines = Enumerable.Range(1, 500).Select(i => $"{{\"n\": {i}, \"t\": \"sensor-{i % 7}\"}}").ToArray();
            var run = await Zdmqtt.InProcessAsync(string.Join('\n', lines) + "\n", "publish", "--config", Config($"pub-q{qos}.json", topic, qos));

            Assert.True(run.Code == 0, run.ToString());
            Assert.Equal("", run.Out);
            Assert.Contains(qos == 0
                ? $"500 message(s) written to \"{topic}\" at QoS 0, then a clean DISCONNECT (QoS 0 has no acknowledgement)"
                : $"500 message(s) published to \"{topic}\" at QoS {qos}, all acknowledged ({(qos == 1 ? "PUBACK" : "PUBCOMP")})", run.Err);
            var received = await sub.WaitForAsync(lines.Length, TimeSpan.FromSeconds(20));
            Assert.Equal(lines, received.Select(m => Encoding.UTF8.GetString(m.Payload)));
        });
    }

    [Fact]
    public async Task Empty_lines_are_empty_payloads_and_crlf_endings_are_dropped()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            const string topic = "cli/empty";
            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            var run = await Zdmqtt.InProcessAsync("a\n\n\r\nb\r\n\nlast-no-newline", "publish", "-c", Config("pub-empty.json", topic, 1));

            Assert.True(run.Code == 0, run.ToString());
            var received = await sub.WaitForAsync(6, TimeSpan.FromSeconds(10));
            Assert.Equal(["a", "", "", "b", "", "last-no-newline"], received.Select(m => Encoding.UTF8.GetString(m.Payload)));
        });
    }

    [Fact]
    public async Task Input_file_bytes_pass_through_unchanged()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            const string topic = "cli/bytes";
            await using var sub = await MosquittoSub.StartAsync(Broker, topic, qos: 1);
            byte[][] payloads = [[0xFF, 0xFE, 0x00, 0x41], "héllo"u8.ToArray(), [0x0D, 0x0D]];
            string input = files.PathOf("bytes.bin");
            File.WriteAllBytes(input, [.. payloads[0], (byte)'\n', .. payloads[1], (byte)'\r', (byte)'\n', .. payloads[2], (byte)'\n']);
            var run = await Zdmqtt.InProcessAsync("", "publish", "-c", Config("pub-bytes.json", topic, 1), "--input", input);

            Assert.True(run.Code == 0, run.ToString());
            var received = await sub.WaitForAsync(3, TimeSpan.FromSeconds(10));
            // The last payload is "\r\r": only the \r right before \n is part of the line ending.
            Assert.Equal([payloads[0], payloads[1], [0x0D]], received.Select(m => m.Payload));
        });
    }

    [Fact]
    public async Task Bad_config_exits_2_without_connecting()
    {
        files.Write("pub-bad.json", $$"""{"server": "tcp://{{Broker.Host}}:{{Broker.Port}}", "topic": "a/#", "qos": "1"}""");
        var run = await Zdmqtt.InProcessAsync("x\n", "publish", "--config", files.PathOf("pub-bad.json"));
        Assert.Equal(2, run.Code);
        Assert.Contains("error: qos: ", run.Err);
        Assert.Contains("error: topic: ", run.Err);
        Assert.Contains("2 configuration errors", run.Err);
    }

    [Fact]
    public async Task Unreachable_broker_exits_3_after_the_give_up_time()
    {
        using var refusing = LoopbackPorts.HoldRefusing();   // held, so no broker of a parallel test project takes it
        int port = refusing.Port;
        files.Write("pub-unreachable.json", $$"""{"server": "tcp://127.0.0.1:{{port}}", "topic": "t", "qos": 1}""");
        var clock = Stopwatch.StartNew();
        // 8 s, not 1 or 3: on a loaded 2-core CI machine, with the rest of this project running in parallel, even 3 s
        // once passed without a single refused attempt finishing. An 8 s run once also said "no connection attempt
        // finished": giving up during an attempt erased the client's last error (PublishGiveUpMessageTests).
        var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", files.PathOf("pub-unreachable.json"), "--give-up-after", "8");
        clock.Stop();

        Assert.Equal(3, run.Code);
        Assert.True(run.Err.Contains($"could not connect to tcp://127.0.0.1:{port} within 8 s"), run.Err);
        Assert.True(run.Err.Contains("Connection refused"), run.Err);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(7.9), TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("   at ", run.All);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task Bad_give_up_time_is_a_usage_error(string value)
    {
        var run = await Zdmqtt.InProcessAsync("", "publish", "-c", "x.json", "--give-up-after", value);
        Assert.Equal(1, run.Code);
        Assert.Contains("--give-up-after needs a number of seconds greater than 0", run.Err);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65001")]
    [InlineData("2.5")]
    [InlineData("many")]
    public async Task Bad_qos2_window_is_a_usage_error(string value)
    {
        var run = await Zdmqtt.InProcessAsync("", "publish", "-c", "x.json", "--qos2-window", value);
        Assert.Equal(1, run.Code);
        Assert.Contains($"--qos2-window needs a whole number from 1 to 65000, not \"{value}\"", run.Err);
    }

    [Fact]
    public async Task An_http_server_is_reported_as_not_an_mqtt_broker()
    {
        using var http = new TcpListener(IPAddress.Loopback, 0);
        http.Start();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await http.AcceptTcpClientAsync(stop.Token);
                await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), stop.Token);
            }
        });
        int port = ((IPEndPoint)http.LocalEndpoint).Port;
        files.Write("pub-http.json", $$"""{"server": "tcp://127.0.0.1:{{port}}", "topic": "t", "qos": 1}""");
        var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", files.PathOf("pub-http.json"), "--give-up-after", "600");
        stop.Cancel();
        await serving.ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.True(run.Code == 3, run.ToString());
        Assert.Contains("not an MQTT broker", run.Err);
    }

    [Fact]
    public async Task A_directory_as_input_says_it_is_a_directory()
    {
        var run = await Zdmqtt.InProcessAsync("", "publish", "-c", Config("pub-dirinput.json", "t", 0), "--input", files.Dir);
        Assert.Equal(1, run.Code);
        Assert.Contains("it is a directory", run.Err);
    }

    [Fact]
    public async Task Missing_input_file_exits_1_with_one_line()
    {
        var run = await Zdmqtt.InProcessAsync("", "publish", "-c", Config("pub-noinput.json", "t", 0), "--input", files.PathOf("no-such-input.txt"));
        Assert.Equal(1, run.Code);
        Assert.Contains("cannot read input file", run.Err);
    }

    [Fact]
    public async Task Progress_reports_sent_and_acknowledged()
    {
        await output.OnFailureAsync(Broker, async () =>
        {
            // The progress line is written once a second: feed input slowly enough to see at least one.
            var stderr = new StringWriter();
            var input = new SlowStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 30).Select(i => $"m{i}\n"))), TimeSpan.FromMilliseconds(50));
            var console = new ZeroDepMqtt.Cli.CliConsole(new StringWriter(), stderr, new StringReader("")) { OpenInput = () => input };
            var code = await ZeroDepMqtt.Cli.CommandLine.RunAsync(["publish", "-c", Config("pub-progress.json", "cli/progress", 1), "--progress"], console);
            Assert.Equal(ZeroDepMqtt.Cli.ExitCode.Success, code);
            Assert.Matches(@"sent \d+, queued \d+, acknowledged \d+, [\d.]+ msg/s", stderr.ToString());
        });
    }

    [Fact]
    public async Task Publish_help()
    {
        var run = await Zdmqtt.InProcessAsync("", "publish", "--help");
        Assert.Equal(0, run.Code);
        Assert.StartsWith("Usage: zdmqtt publish --config <file.json> [--input <file>] [--progress] [--give-up-after <seconds>]", run.Out);
        Assert.Contains("(default: 30)", run.Out);
        Assert.Contains("--qos2-window <n>", run.Out);
    }


    /// <summary>Returns at most one line's worth of bytes per read, after a delay.</summary>
    private sealed class SlowStream(byte[] data, TimeSpan delay) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 4)], cancellationToken);
        }
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>
/// The summary's counts add up (issue 11): every line zdmqtt names in its headline is exactly one of acknowledged,
/// not acknowledged or read but not sent, and unread input is said in words. The case that broke it: messages
/// accepted and written to a connection that stays up, then cut off when the disconnect timeout after a signal
/// ends the wait for their acknowledgements.
/// </summary>
public sealed class PublishCountsTests(TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private const int SIGSTOP = 19, SIGCONT = 18;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // shaped lines (dynamic topic, fields) go to the sink in batches too
    public async Task Messages_cut_off_by_the_disconnect_timeout_are_counted_in_the_headline_as_not_acknowledged(bool shaped)
    {
        // Its own broker: the test freezes it (SIGSTOP), so that the connection stays up and nothing is acknowledged.
        await using var broker = await MosquittoBroker.StartAsync();
        await output.OnFailureAsync(broker, async () =>
        {
            const string topic = "counts/cut";
            string configTopic = shaped ? "counts/{{.d}}" : topic;
            string Line(string text) => shaped ? $$"""{"d": "cut", "v": "{{text}}", "x": 1}""" : text;
            string Payload(string text) => shaped ? $$"""{"v":"{{text}}"}""" : text;
            files.Write("counts.json", $$"""{"server": "tcp://{{broker.Host}}:{{broker.Port}}", "topic": "{{configTopic}}", "qos": 1{{(shaped ? """, "fields": ["v"]""" : "")}}}""");
            await using var sub = await MosquittoSub.StartAsync(broker, topic, qos: 1);
            await using var publisher = ZdmqttProcess.Start(files.Dir, "publish", "-c", files.PathOf("counts.json"), "--give-up-after", "120");
            await publisher.WriteLinesAsync(Enumerable.Range(0, 10).Select(i => Line($"early-{i:00}")));
            await sub.WaitForAsync(10, TimeSpan.FromSeconds(30));

            int pid = broker.ProcessId ?? throw new InvalidOperationException("the broker is not running");
            Assert.Equal(0, kill(pid, SIGSTOP));
            try
            {
                var late = Enumerable.Range(0, 20).Select(i => $"late-{i:00}").ToArray();
                await publisher.WriteLinesAsync(late.Select(Line));
                // Every late PUBLISH is in the frozen broker's receive queue: the client accepted and wrote them all.
                int bytes = late.Sum(l => 2 + 2 + topic.Length + 2 + Payload(l).Length);
                await Eventually.WaitUntilAsync(() => ReceiveQueue(broker.Port) >= bytes, TimeSpan.FromSeconds(30),
                    $"{bytes} bytes of PUBLISH waiting at the frozen broker");
                publisher.Signal(15);
                var run = await publisher.WaitAsync(Guard);

                Assert.True(run.Code == 143, run.ToString());
                var headline = Regex.Match(run.Err, $@"(\d+) message\(s\) to ""{Regex.Escape(configTopic)}"" at QoS 1: (\d+) acknowledged, (\d+) not acknowledged(, (\d+) read but not sent)?, the rest of the input not read");
                Assert.True(headline.Success, run.ToString());
                long named = Count(headline, 1), acknowledged = Count(headline, 2), unacknowledged = Count(headline, 3), notSent = Count(headline, 5);
                Assert.True(named == acknowledged + unacknowledged + notSent, run.ToString());
                Assert.True(named == 30 && acknowledged == 10 && unacknowledged == 20, run.ToString());
            }
            finally
            {
                kill(pid, SIGCONT);
            }
        });
    }

    private static long Count(Match m, int group) => m.Groups[group].Success ? long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : 0;

    // Bytes received and not yet read by the process owning the broker's side of an established connection
    // (/proc/net/tcp: "local rem st tx_queue:rx_queue", addresses and numbers in hex).
    private static long ReceiveQueue(int brokerPort)
    {
        long most = 0;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || f[3] != "01") continue;
            int port = int.Parse(f[1][(f[1].IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (port != brokerPort) continue;
            most = Math.Max(most, long.Parse(f[4][(f[4].IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return most;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

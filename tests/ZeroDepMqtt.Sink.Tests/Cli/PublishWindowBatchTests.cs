using System.Text;
using ZeroDepMqtt.Cli.Input;
using ZeroDepMqtt.Cli.Verbs;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>zdmqtt publish's batched mode keeps its batches whole: a batch goes out early only at the end of an input
/// block or when the window is full, so a long run does not decay into many small batches (one socket write and one
/// wake-up of the sender each).</summary>
public sealed class PublishWindowBatchTests
{
    [Fact]
    public async Task Batches_stay_whole_over_many_input_blocks_that_end_mid_batch()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var settings = MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "t", "qos": 0}""").GetSettingsOrThrow();
        await using var sink = new MqttSink(settings);
        await sink.StartAsync();

        // 20-byte lines in 64 KiB blocks: 3,120 lines and a part per block, so every block ends inside a batch.
        const int blocks = 100, blockBytes = 64 * 1024, capacity = 5_000;
        var text = new StringBuilder();
        for (int i = 0; text.Length < blocks * blockBytes; i++) text.Append($"{i,19}\n");
        long lines = 0;
        var window = new PublishWindow(sink, capacity);
        using (var reader = new InputLineReader(new MemoryStream(Encoding.ASCII.GetBytes(text.ToString())), blockBytes))
        {
            while (await reader.ReadMoreAsync(CancellationToken.None))
            {
                while (reader.TryReadLine(out var line))
                {
                    lines++;
                    Assert.True(await window.AddAsync(line, lines));
                }
                Assert.True(window.FlushBatch());   // as zdmqtt publish does at the end of each block
            }
        }
        await window.DrainAsync();
        Assert.Equal(0, window.Failed);
        Assert.Equal(lines, sink.Sent);

        // Each block: its full batches and one partial at its end; each time the window fills, at most one more.
        long perBlock = (3_121 + PublishWindow.BatchSize - 1) / PublishWindow.BatchSize + 1;
        long bound = (blocks + 1) * perBlock + lines / capacity + 1;
        Assert.True(window.BatchesSent <= bound, $"{window.BatchesSent} batches for {lines} lines in {blocks} blocks (at most {bound})");
        await sink.CompleteAsync(CancellationToken.None);
    }
}

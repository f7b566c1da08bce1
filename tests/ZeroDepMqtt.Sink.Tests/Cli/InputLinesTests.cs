using System.Text;
using ZeroDepMqtt.Cli.Input;

namespace ZeroDepMqtt.Sink.Tests.Cli;

public sealed class InputLinesTests
{
    private static async Task<List<string>> Lines(Stream stream)
    {
        var lines = new List<string>();
        await foreach (var line in InputLines.ReadAsync(stream))
        {
            lines.Add(Encoding.UTF8.GetString(line.Memory.Span));
            line.Return();
        }
        return lines;
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("\n", new[] { "" })]
    [InlineData("a", new[] { "a" })]
    [InlineData("a\n", new[] { "a" })]
    [InlineData("a\r\n", new[] { "a" })]
    [InlineData("a\n\nb", new[] { "a", "", "b" })]
    [InlineData("a\r\r\nb\rc\n", new[] { "a\r", "b\rc" })]
    [InlineData("\r\n\r\n", new[] { "", "" })]
    public async Task Splits_at_newline_and_drops_one_carriage_return_before_it(string input, string[] expected)
    {
        Assert.Equal(expected, await Lines(new MemoryStream(Encoding.UTF8.GetBytes(input))));
        // The same when every read returns one byte, so line endings and \r\n straddle reads.
        Assert.Equal(expected, await Lines(new OneByteStream(Encoding.UTF8.GetBytes(input))));
    }

    [Fact]
    public async Task Long_lines_across_many_reads_are_whole()
    {
        string big = new('x', 300_000);
        Assert.Equal([big, "y", big], await Lines(new MemoryStream(Encoding.UTF8.GetBytes($"{big}\ny\r\n{big}"))));
    }

    [Fact]
    public async Task A_very_long_line_is_searched_once_and_copied_less_than_twice()
    {
        // 8 MiB in 4 KiB reads into 64 KiB blocks: searching the whole unfinished line after every read (the old
        // reader) would look at about 8 GiB; moving the line by a fixed step would copy about 512 MiB.
        const int length = 8 << 20;
        var input = new byte[length + 3];
        input.AsSpan(0, length).Fill((byte)'x');
        "\nyz"u8.CopyTo(input.AsSpan(length));
        var counters = new InputScanCounters();
        var lengths = new List<int>();
        await foreach (var line in InputLines.ReadAsync(new ChunkedStream(input, 4096), 64 * 1024, InputLines.MaxLineBytes, counters))
        {
            lengths.Add(line.Length);
            line.Return();
        }
        Assert.Equal([length, 2], lengths);
        Assert.Equal(input.Length, counters.Scanned);
        Assert.InRange(counters.Copied, length / 2, 2L * length);
    }

    [Fact]
    public async Task Lines_held_across_many_blocks_keep_their_bytes_until_returned()
    {
        // Blocks of 64 bytes: hundreds of blocks, and lines that move when they do not fit. A block reused while one of
        // its lines is held would overwrite that line.
        var expected = Enumerable.Range(0, 2000).Select(i => $"line {i} " + new string((char)('a' + i % 26), i % 50)).ToList();
        var held = new List<InputLine>();
        await foreach (var line in InputLines.ReadAsync(new ChunkedStream(Encoding.UTF8.GetBytes(string.Join("\r\n", expected)), 7), 64, 1000, null))
            held.Add(line);
        Assert.Equal(expected, held.Select(l => Encoding.UTF8.GetString(l.Memory.Span)));
        foreach (var line in held) line.Return();
    }

    [Theory]
    [InlineData("0123456789\n", true)]
    [InlineData("0123456789\r\n", true)]
    [InlineData("0123456789", true)]
    [InlineData("0123456789a\n", false)]
    [InlineData("0123456789\r", false)]
    [InlineData("0123456789ab\r\n", false)]
    public async Task A_line_over_the_limit_is_rejected_naming_its_number(string second, bool accepted)
    {
        var input = Encoding.UTF8.GetBytes("first\n" + second);
        foreach (int read in new[] { 1, 5, input.Length })
        {
            var lines = new List<int>();
            async Task ReadAll()
            {
                await foreach (var line in InputLines.ReadAsync(new ChunkedStream(input, read), 4, maxLineBytes: 10, null))
                {
                    lines.Add(line.Length);
                    line.Return();
                }
            }
            if (accepted)
            {
                await ReadAll();
                Assert.Equal([5, 10], lines);
            }
            else
            {
                var e = await Assert.ThrowsAsync<InvalidDataException>(ReadAll);
                Assert.Equal("input line 2 is longer than 10 bytes, the most one MQTT message can carry", e.Message);
                Assert.Equal([5], lines);
            }
        }
    }

    private sealed class OneByteStream(byte[] data) : ChunkedStream(data, 1);

    /// <summary>Gives at most <c>chunk</c> bytes per read, as a pipe or a terminal does.</summary>
    private class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }
}

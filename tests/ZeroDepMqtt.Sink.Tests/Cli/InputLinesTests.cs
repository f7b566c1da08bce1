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

    private sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}

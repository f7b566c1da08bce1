namespace ZeroDepMqtt.Cli.Input;

/// <summary>A line-at-a-time <see cref="ILineSource"/> over <see cref="InputLines.ReadAsync(TextReader, CancellationToken)"/>,
/// for input that only exists as a <see cref="TextReader"/> (tests, a redirected console).</summary>
internal sealed class EnumeratedLineSource(IAsyncEnumerable<InputLine> lines, CancellationToken cancellationToken) : ILineSource
{
    private readonly IAsyncEnumerator<InputLine> _lines = lines.GetAsyncEnumerator(cancellationToken);
    private bool _hasCurrent;

    public async ValueTask<bool> ReadMoreAsync(CancellationToken cancellationToken)
        => _hasCurrent = await _lines.MoveNextAsync().ConfigureAwait(false);

    public bool TryReadLine(out InputLine line)
    {
        line = _hasCurrent ? _lines.Current : default;
        bool had = _hasCurrent;
        _hasCurrent = false;
        return had;
    }

    public void Dispose() => _lines.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

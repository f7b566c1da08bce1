namespace ZeroDepMqtt.Cli.Input;

/// <summary>Input lines taken in blocks: one await per <see cref="ReadMoreAsync"/>, then lines without awaiting.</summary>
internal interface ILineSource : IDisposable
{
    /// <summary>Reads more; true when <see cref="TryReadLine"/> may have something, false once the input ended.</summary>
    ValueTask<bool> ReadMoreAsync(CancellationToken cancellationToken);

    /// <summary>The next line of what was read; false when more must be read first.</summary>
    bool TryReadLine(out InputLine line);
}

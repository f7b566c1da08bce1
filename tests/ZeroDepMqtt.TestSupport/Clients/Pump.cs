namespace ZeroDepMqtt.TestSupport;

/// <summary>Copies bytes both ways between two streams until either side ends, observing both copies (the one still
/// running fails when the streams close, and an unobserved failure would surface in another test).</summary>
public static class Pump
{
    /// <summary>Returns when either direction ended; the other is ended by the caller closing the streams, and observed.</summary>
    public static async Task BothWaysAsync(Stream a, Stream b, CancellationToken cancellationToken)
    {
        var there = a.CopyToAsync(b, cancellationToken);
        var back = b.CopyToAsync(a, cancellationToken);
        _ = there.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        _ = back.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        await Task.WhenAny(there, back);
    }
}

using System.Collections.Concurrent;

namespace ZeroDepMqtt.TestSupport;

/// <summary>Records every <see cref="TaskScheduler.UnobservedTaskException"/> raised while the fixture lives: a faulted
/// task nobody awaited is a lost error (a loop that died silently). Tests call <see cref="AssertNone"/> at their end.</summary>
public sealed class UnobservedTaskExceptions : IDisposable
{
    private readonly ConcurrentQueue<Exception> _seen = new();

    /// <summary>Starts listening.</summary>
    public UnobservedTaskExceptions() => TaskScheduler.UnobservedTaskException += OnUnobserved;

    /// <summary>Collects garbage (so faulted tasks nobody holds are finalized and reported), then fails if any was seen.</summary>
    public void AssertNone()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(_seen.IsEmpty, "unobserved task exception(s):\n" + string.Join("\n---\n", _seen));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => _seen.Enqueue(e.Exception);
}

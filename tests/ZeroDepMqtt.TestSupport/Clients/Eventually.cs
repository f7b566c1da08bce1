using System.Diagnostics;

namespace ZeroDepMqtt.TestSupport;

/// <summary>Waits for a condition with a deadline. The poll interval is a sampling rate, not synchronisation: the test
/// proceeds the moment the condition holds and fails with <paramref name="what"/> when the deadline passes first.</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    /// <summary>Returns once <paramref name="condition"/> holds.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>.</exception>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"not within {timeout.TotalSeconds:0.#} s: {what}");
            await Task.Delay(Poll);
        }
    }

    /// <summary>Awaits <paramref name="task"/>, failing with <paramref name="what"/> when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan timeout, string what)
    {
        try { return await task.WaitAsync(timeout); }
        catch (TimeoutException) { throw new TimeoutException($"not within {timeout.TotalSeconds:0.#} s: {what}"); }
    }

    /// <summary>Awaits <paramref name="task"/>, failing with <paramref name="what"/> when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task Within(this Task task, TimeSpan timeout, string what)
    {
        try { await task.WaitAsync(timeout); }
        catch (TimeoutException) { throw new TimeoutException($"not within {timeout.TotalSeconds:0.#} s: {what}"); }
    }
}

using System.IO.Pipelines;

namespace ZeroDepMqtt.Transport.Internal;

/// <summary>
/// The output pipe's reader scheduler: the send loop's continuation runs on the thread that flushed while that thread
/// is the read loop encoding its answers (the acks it sends, the publishes its acks let through), and on the thread
/// pool otherwise. On the read loop's turn the bytes then go to the socket without waking another thread; publishers
/// keep the hand-off, so a caller publishing one message at a time does not pay one socket write per message.
/// </summary>
internal sealed class SendScheduler : PipeScheduler
{
    [ThreadStatic] private static bool t_inline;

    public static readonly SendScheduler Instance = new();

    private SendScheduler() { }

    /// <summary>Whether this thread is in the read loop's pump, where the send loop runs inline.</summary>
    public static bool IsInline => t_inline;

    /// <summary>Marks this thread as the read loop's pump until the returned scope ends.</summary>
    public static InlineScope OnReadLoop()
    {
        t_inline = true;
        return default;
    }

    /// <inheritdoc />
    public override void Schedule(Action<object?> action, object? state)
    {
        if (t_inline) action(state);
        else System.Threading.ThreadPool.UnsafeQueueUserWorkItem(action, state, preferLocal: false);
    }

    /// <summary>Ends the inline section.</summary>
    public readonly struct InlineScope : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => t_inline = false;
    }
}

using System.Text;

namespace ZeroDepMqtt.Cli;

/// <summary>
/// A writer for stdout or stderr that cannot take the process down: when the stream breaks (a closed pipe, a full disk),
/// writes are dropped from then on and the exit code alone reports the outcome, instead of the error handler
/// itself throwing.
/// </summary>
internal sealed class SafeWriter(TextWriter inner) : TextWriter
{
    private volatile bool _broken;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => Try(static (w, v) => w.Write(v), value);

    public override void Write(string? value) => Try(static (w, v) => w.Write(v), value);

    public override void WriteLine(string? value) => Try(static (w, v) => w.WriteLine(v), value);

    public override void Flush() => Try(static (w, _) => w.Flush(), 0);

    private void Try<T>(Action<TextWriter, T> write, T value)
    {
        if (_broken) return;
        try
        {
            write(inner, value);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
        {
            _broken = true;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>Writes "sent N, acknowledged M, R msg/s" to stderr once a second: rewritten in place on a terminal,
/// one line per update otherwise (for logs).</summary>
internal sealed class ProgressLine(MqttSink sink, TextWriter error, bool terminal) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _lastAcknowledged;
    private long _lastTimestamp = Stopwatch.GetTimestamp();

    public void Start() => _loop = RunAsync();

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false)) Write(final: false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void Write(bool final)
    {
        long now = Stopwatch.GetTimestamp();
        long acknowledged = sink.Acknowledged;
        double seconds = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        double rate = seconds > 0 ? (acknowledged - _lastAcknowledged) / seconds : 0;
        _lastAcknowledged = acknowledged;
        _lastTimestamp = now;
        // "sent" is what went out on a connection, not what waits in the queue; the last line says nothing about the
        // connection, which the clean finish has closed.
        long queued = sink.Queued;
        string done = sink.Settings.Qos == ZeroDepMqtt.Protocol.QualityOfService.AtMostOnce ? "written" : "acknowledged";
        string text = string.Create(CultureInfo.InvariantCulture,
            $"sent {Math.Max(0, sink.Sent - queued)}, queued {queued}, {done} {acknowledged}, {rate:0.#} msg/s{(sink.Settings.Cache is null ? "" : $", cached {sink.Cached}")}{(final || sink.IsConnected ? "" : " (reconnecting)")}");
        lock (error)
        {
            if (terminal) error.Write("\r" + text.PadRight(60) + (final ? "\n" : ""));
            else if (!final) error.WriteLine(text);
            error.Flush();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        if (terminal) Write(final: true);
        _stop.Dispose();
    }
}

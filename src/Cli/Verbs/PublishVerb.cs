using System.Diagnostics;
using System.Globalization;
using ZeroDepMqtt.Cli.Input;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary><c>zdmqtt publish --config FILE [--input FILE] [--progress] [--give-up-after SECONDS] [--qos2-window N]</c>: publishes one
/// message per input line and exits 0 only when every message reached its QoS's delivery point.</summary>
public sealed class PublishVerb : IVerb
{
    /// <summary>The default of <c>--give-up-after</c>, in seconds.</summary>
    public const double DefaultGiveUpAfterSeconds = 30;

    private static readonly Dictionary<string, string> Options = new()
    {
        ["--config"] = "--config", ["-c"] = "--config",
        ["--input"] = "--input", ["-i"] = "--input",
        ["--give-up-after"] = "--give-up-after",
        ["--qos2-window"] = "--qos2-window",
    };

    private static readonly Dictionary<string, string> Flags = new() { ["--progress"] = "--progress" };

    /// <inheritdoc/>
    public string Name => "publish";

    /// <inheritdoc/>
    public string Summary => "publish one message per input line to the configured topic";

    /// <inheritdoc/>
    public string Help => """
        Usage: zdmqtt publish --config <file.json> [--input <file>] [--progress] [--give-up-after <seconds>]
                              [--qos2-window <n>]

        Connects with the sink configuration (the eKuiper MQTT action options, bare or as {"mqtt": {...}})
        and publishes one message per input line to its topic, at its qos, with its retained flag.
        The payload is the line's bytes without the line ending (\n or \r\n); an empty line is a
        message with an empty payload; the last line needs no line ending. When a shaping option is
        set (a topic with {{...}}, sendSingle, fields, dataTemplate, batchSize, compression, ...),
        each line must be one JSON value: a line that is not, or whose topic does not resolve,
        fails alone (reported with its line number, counted in the summary, exit code 1). Many messages are kept
        in flight at once. QoS 1/2 messages survive a dropped connection: they are resent when the
        broker is back. The command ends when every message reached its QoS's delivery point
        (QoS 0: written, then a clean DISCONNECT; QoS 1: PUBACK; QoS 2: PUBCOMP).

        Options:
          -c, --config <file>          the configuration file (JSON); relative TLS file paths start
                                       at the working directory
          -i, --input <file>           read lines from this file instead of stdin ("-": stdin)
          --progress                   print "sent, queued, acknowledged, rate" to stderr every second
                                       (the default when stderr is a terminal)
          --give-up-after <seconds>    stop when the broker cannot be reached for this long, at the
                                       start or after a connection dropped, or acknowledges nothing
                                       for this long while messages are outstanding (default: 30)
          --qos2-window <n>            QoS 2 messages in flight at once (default: 20, Mosquitto's
                                       max_inflight_messages); never above the broker's own limit:
                                       Mosquitto acknowledges and drops QoS 2 messages beyond it;
                                       a broker that closes the connection over its limit halves
                                       it (after two closes in a row)
          -h, --help                   show this help

        Output: warnings, progress and a summary on stderr; nothing on stdout.
        Exit codes: 0 every message acknowledged (QoS 1/2) or written with a clean DISCONNECT after
        it (QoS 0); 1 some message not (the counts and the reason are printed: another client with
        this client id, no acknowledgement for the give-up time, a dropped connection), a bad command
        line or input; 2 configuration errors; 3 could not connect (unreachable until the give-up
        time, TLS failure, or refused by the broker: the CONNACK reason is printed); 130/143 stopped
        by SIGINT/SIGTERM after waiting up to 10 s for what was in flight.
        With enableCache, a message is accepted once stored in the disk cache; what is not delivered
        stays there (the summary names how many and where) and a later run sends it first (e.g.
        with --input /dev/null); exit 3 then means "kept in the cache, broker unreachable".
        """;

    /// <inheritdoc/>
    public async ValueTask<ExitCode> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        var reader = new ArgReader(Name, args, Options, Flags);
        string path = reader.Required(Name, "--config");
        var giveUpAfter = GiveUpAfter(reader.Value("--give-up-after"));
        int? qos2Window = Qos2Window(reader.Value("--qos2-window"));
        string? input = reader.Value("--input");
        bool progress = reader.Flag("--progress") || console.ErrorIsTerminal;
        if ((input is null || input == "-") && console.InputClosed)
        {
            // Checked before anything connects: reading descriptor 0 now would read one of the runtime's own pipes.
            console.Error.WriteLine("zdmqtt: standard input is closed (started with <&-), so there are no lines to read; "
                + "give --input FILE, or --input /dev/null to publish nothing (e.g. to send what the cache holds)");
            return ExitCode.Failure;
        }

        var settings = ConfigReport.Load(path, console, console.Error);
        if (settings is null) return ExitCode.ConfigurationError;

        Stream? inputStream = null;
        if (input is not null && input != "-")
        {
            if (Directory.Exists(input))
            {
                console.Error.WriteLine($"zdmqtt: cannot read input file \"{input}\": it is a directory; give a file, or \"-\" for stdin");
                return ExitCode.Failure;
            }
            try
            {
                inputStream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.Error.WriteLine($"zdmqtt: cannot read input file \"{input}\": {e.Message}");
                return ExitCode.Failure;
            }
        }
        await using (inputStream)
        {
            var runtime = new MqttSinkRuntimeOptions { ConnectGiveUpAfter = giveUpAfter, ReconnectGiveUpAfter = giveUpAfter, NoProgressGiveUpAfter = giveUpAfter };
            // The QoS 2 cap lies within the whole window, so a larger one widens that too.
            if (qos2Window is int w) runtime = runtime with { MaxInFlightQoS2 = w, MaxInFlight = Math.Max(runtime.MaxInFlight, w) };
            MqttSink sink;
            try
            {
                sink = new MqttSink(settings, runtime);
            }
            catch (MqttSinkException e)
            {
                console.Error.WriteLine($"error: {e.Message}");
                return ExitCode.ConfigurationError;
            }
            await using (sink)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await sink.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (MqttSinkException e)
                {
                    console.Error.WriteLine($"zdmqtt: {e.Message}");
                    return e.Kind is SinkErrorKind.Configuration or SinkErrorKind.CacheFailure ? ExitCode.ConfigurationError : ExitCode.ConnectionFailed;
                }
                foreach (var line in sink.CacheRecoveryReport) console.Error.WriteLine($"zdmqtt: warning: {line}");
                if (sink.Recovered > 0) console.Error.WriteLine($"zdmqtt: {sink.Recovered} message(s) left in the cache by an earlier run are sent first");
                ILineSource source = (inputStream ?? console.OpenInput?.Invoke()) is { } stream
                    ? new InputLineReader(stream)
                    : new EnumeratedLineSource(InputLines.ReadAsync(console.In, cancellationToken), cancellationToken);
                var window = new PublishWindow(sink, WindowFor(settings.Qos, runtime), RejectedLinePrinter(console));
                return await PublishAllAsync(sink, window, source, console, progress, started, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What the client can take without waiting: its queue plus what its window at <paramref name="qos"/> lets
    /// into flight (QoS 0 is never in flight; QoS 2 only up to its own cap). A larger window would make the excess
    /// wait for queue room one by one, each wait an object of its own.</summary>
    internal static int WindowFor(ZeroDepMqtt.Protocol.QualityOfService qos, MqttSinkRuntimeOptions runtime) => runtime.MaxQueuedMessages + qos switch
    {
        ZeroDepMqtt.Protocol.QualityOfService.AtMostOnce => 0,
        ZeroDepMqtt.Protocol.QualityOfService.ExactlyOnce => Math.Min(runtime.MaxInFlight, runtime.MaxInFlightQoS2),
        _ => runtime.MaxInFlight,
    };

    // The window holds everything the client can take without waiting (in flight plus queued).
    private static async ValueTask<ExitCode> PublishAllAsync(MqttSink sink, PublishWindow window, ILineSource source,
        CliConsole console, bool progress, long started, CancellationToken cancellationToken)
    {
        // A signal completes the sink: it waits a bounded time for what is in flight (not at all without a
        // connection), then fails the rest, which ends the awaits below.
        using var onCancel = cancellationToken.Register(() =>
        {
            if (!sink.IsConnected) sink.Abort($"cancelled while not connected to {sink.Settings.Broker}");
            _ = sink.CompleteAsync(CancellationToken.None);
        });
        string? inputError = null;
        bool inputEnded = false;
        var progressLine = progress ? new ProgressLine(sink, console.Error, console.ErrorIsTerminal) : null;
        progressLine?.Start();
        bool readPending = false, stopped = false;
        long lineNumber = 0;
        try
        {
            while (!stopped)
            {
                // One await per read block; its lines go to the window synchronously while it has room.
                var next = source.ReadMoreAsync(cancellationToken);
                bool more;
                if (next.IsCompleted) more = next.Result;
                else
                {
                    // A read of stdin or a FIFO may ignore the token: stop waiting for it instead; the process ends soon.
                    readPending = true;
                    more = await next.AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                    readPending = false;
                }
                if (!more) { inputEnded = true; break; }
                while (source.TryReadLine(out var line))
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        line.Return(); // read, never sent: part of the unread input
                        throw new OperationCanceledException(cancellationToken);
                    }
                    // false: the sink is completing (only a signal does that); Failed: the sink gave up, every further message would fail too
                    if (!await window.AddAsync(line, ++lineNumber).ConfigureAwait(false) || window.Failed > 0) { stopped = true; break; }
                }
                // The lines of this block gathered into a batch go out before the next read, which may wait.
                if (!stopped && !window.FlushBatch()) stopped = true;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            inputError = "cancelled (signal): stopped reading the input";
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            inputError = $"reading input failed: {e.Message}";
        }
        finally
        {
            if (!readPending) source.Dispose();
        }
        // The signal may have stopped the sink first: the loop then ended on a refused or failed publish.
        if (cancellationToken.IsCancellationRequested && !inputEnded) inputError ??= "cancelled (signal): stopped reading the input";
        await sink.FlushAsync().ConfigureAwait(false); // a partial batch (batchSize) holds the last publishes back
        await window.DrainAsync().ConfigureAwait(false);
        var completion = await sink.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        if (progressLine is not null) await progressLine.DisposeAsync().ConfigureAwait(false);

        if (completion.CacheDirectory is not null && completion.Cached > 0)
            return CachedSummary(completion, window, $"\"{sink.Settings.Topic}\" at QoS {(int)sink.Settings.Qos}",
                completion.Reason ?? window.FirstError ?? "the connection was lost before a clean DISCONNECT", sink.Settings.Cache?.FullPolicy, console);
        if (sink.Recovered > 0) console.Error.WriteLine($"zdmqtt: {sink.Recovered} message(s) left in the cache by an earlier run were sent first");
        var summary = new PublishSummary(sink.Settings, completion, window.Added, inputEnded, inputError, window.FirstError, Stopwatch.GetElapsedTime(started),
            sink.Settings.ShapesMessages ? 0 : null);
        foreach (var line in summary.Lines()) console.Error.WriteLine(line);
        string shaped = ShapingSummary(sink, window);
        if (shaped.Length > 0) console.Error.WriteLine($"zdmqtt: shaping{shaped}");
        return summary.Succeeded && window.Rejected == 0 ? ExitCode.Success : ExitCode.Failure;
    }

    // With shaping options each line is one JSON value; a line that cannot be shaped fails alone and is reported here.
    private static Action<long, string> RejectedLinePrinter(CliConsole console)
        => (line, reason) => console.Error.WriteLine($"zdmqtt: line {line} not published: {reason}");

    private static string ShapingSummary(MqttSink sink, PublishWindow window)
    {
        if (!sink.Settings.ShapesMessages) return "";
        string s = "";
        if (window.Rejected > 0) s += $"; {window.Rejected} input line(s) failed (not published: see above)";
        if (sink.Omitted > 0) s += $"; {sink.Omitted} empty result(s) omitted (omitIfEmpty)";
        return s;
    }

    // With the disk cache, what was not delivered is kept, not lost: say how much and where, and that a later run sends it.
    private static ExitCode CachedSummary(SinkCompletion completion, PublishWindow window, string topic, string reason, CacheFullPolicy? policy, CliConsole console)
    {
        console.Error.WriteLine($"zdmqtt: {completion.Sent} message(s) accepted into the cache, {completion.Acknowledged} delivered to {topic}; "
            + $"{completion.Cached} kept in the cache {completion.CacheDirectory} for a later run ({reason})");
        if (window.Failed > 0) console.Error.WriteLine($"zdmqtt: {window.Failed} message(s) not accepted: {window.FirstError}");
        if (completion.Dropped > 0)
            console.Error.WriteLine($"zdmqtt: {completion.Dropped} message(s) dropped: the cache was full (cacheFullPolicy \"{(policy == CacheFullPolicy.DropOldest ? "dropOldest" : "dropNewest")}\")");
        return completion.ErrorKind is SinkErrorKind.Unreachable or SinkErrorKind.Refused or SinkErrorKind.TlsFailure ? ExitCode.ConnectionFailed : ExitCode.Failure;
    }


    private static int? Qos2Window(string? text)
    {
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < 1 or > ZeroDepMqtt.Protocol.Session.ClientSession.MaxWindow)
            throw new UsageException($"publish: --qos2-window needs a whole number from 1 to {ZeroDepMqtt.Protocol.Session.ClientSession.MaxWindow}, not \"{text}\"");
        return n;
    }

    private static TimeSpan GiveUpAfter(string? text)
    {
        if (text is null) return TimeSpan.FromSeconds(DefaultGiveUpAfterSeconds);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0) || seconds > 86_400 * 365)
            throw new UsageException($"publish: --give-up-after needs a number of seconds greater than 0, not \"{text}\"");
        return TimeSpan.FromSeconds(seconds);
    }
}

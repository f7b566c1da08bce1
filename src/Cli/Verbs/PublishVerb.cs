using System.Diagnostics;
using System.Globalization;
using ZeroDepMqtt.Cli.Input;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary><c>zdmqtt publish --config FILE [--input FILE] [--progress] [--give-up-after SECONDS]</c>: publishes one
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
    };

    private static readonly Dictionary<string, string> Flags = new() { ["--progress"] = "--progress" };

    /// <inheritdoc/>
    public string Name => "publish";

    /// <inheritdoc/>
    public string Summary => "publish one message per input line to the configured topic";

    /// <inheritdoc/>
    public string Help => """
        Usage: zdmqtt publish --config <file.json> [--input <file>] [--progress] [--give-up-after <seconds>]

        Connects with the sink configuration (the eKuiper MQTT action options, bare or as {"mqtt": {...}})
        and publishes one message per input line to its topic, at its qos, with its retained flag.
        The payload is the line's bytes without the line ending (\n or \r\n); an empty line is a
        message with an empty payload; the last line needs no line ending. Many messages are kept
        in flight at once. QoS 1/2 messages survive a dropped connection: they are resent when the
        broker is back. The command ends when every message reached its QoS's delivery point
        (QoS 0: written, then a clean DISCONNECT; QoS 1: PUBACK; QoS 2: PUBCOMP).

        Options:
          -c, --config <file>          the configuration file (JSON); relative TLS file paths start
                                       at the working directory
          -i, --input <file>           read lines from this file instead of stdin ("-": stdin)
          --progress                   print "sent, acknowledged, rate" to stderr every second
                                       (the default when stderr is a terminal)
          --give-up-after <seconds>    stop when the broker cannot be reached for this long, at the
                                       start or after a connection dropped (default: 30)
          -h, --help                   show this help

        Output: warnings, progress and a summary on stderr; nothing on stdout.
        Exit codes: 0 every message delivered at its QoS; 1 some message not delivered (the count
        and the reason are printed), a bad command line or input; 2 configuration errors;
        3 could not connect (unreachable until the give-up time, TLS failure, or refused by the
        broker: the CONNACK reason is printed, e.g. "not authorized").
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
        string? input = reader.Value("--input");
        bool progress = reader.Flag("--progress") || console.ErrorIsTerminal;

        var settings = ConfigReport.Load(path, console, console.Error);
        if (settings is null) return ExitCode.ConfigurationError;

        Stream? inputStream = null;
        if (input is not null && input != "-")
        {
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
            var runtime = new MqttSinkRuntimeOptions { ConnectGiveUpAfter = giveUpAfter, ReconnectGiveUpAfter = giveUpAfter };
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
                var lines = inputStream is not null ? InputLines.ReadAsync(inputStream, cancellationToken)
                    : console.OpenInput is { } open ? InputLines.ReadAsync(open(), cancellationToken)
                    : InputLines.ReadAsync(console.In, cancellationToken);
                var window = new PublishWindow(sink, runtime.MaxInFlight + runtime.MaxQueuedMessages);
                return await PublishAllAsync(sink, window, lines, console, progress, started, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The window holds everything the client can take without waiting (in flight plus queued).
    private static async ValueTask<ExitCode> PublishAllAsync(MqttSink sink, PublishWindow window, IAsyncEnumerable<InputLine> lines,
        CliConsole console, bool progress, long started, CancellationToken cancellationToken)
    {
        // Ctrl-C completes the sink: it waits a bounded time for what is in flight, then fails the rest, which ends the awaits below.
        using var onCancel = cancellationToken.Register(() => _ = sink.CompleteAsync(CancellationToken.None));
        string? inputError = null;
        var progressLine = progress ? new ProgressLine(sink, console.Error, console.ErrorIsTerminal) : null;
        progressLine?.Start();
        try
        {
            await foreach (var line in lines.ConfigureAwait(false))
            {
                await window.AddAsync(line).ConfigureAwait(false);
                if (window.Failed > 0) break; // the sink gave up: every further message would fail too
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            inputError = "cancelled";
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            inputError = $"reading input failed: {e.Message}";
        }
        await window.DrainAsync().ConfigureAwait(false);
        var completion = await sink.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        if (progressLine is not null) await progressLine.DisposeAsync().ConfigureAwait(false);

        var elapsed = Stopwatch.GetElapsedTime(started);
        string topic = $"\"{sink.Settings.Topic}\" at QoS {(int)sink.Settings.Qos}";
        bool delivered = completion.AllAcknowledged && window.Failed == 0 && completion.CleanDisconnect && completion.Dropped == 0;
        if (inputError is null && delivered)
        {
            double rate = elapsed.TotalSeconds > 0 ? completion.Acknowledged / elapsed.TotalSeconds : 0;
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"zdmqtt: {completion.Sent} message(s) published to {topic}, all delivered{Resent(sink)} ({Duration(elapsed)}, {rate:0} msg/s)"));
            return ExitCode.Success;
        }
        if (inputError is not null) console.Error.WriteLine($"zdmqtt: {inputError}");
        long notDelivered = completion.Unacknowledged + (window.Failed > completion.Unacknowledged ? window.Failed - completion.Unacknowledged : 0);
        string reason = completion.Reason ?? window.FirstError ?? (completion.CleanDisconnect ? "unknown" : "the connection was lost before a clean DISCONNECT");
        if (completion.CacheDirectory is not null) return CachedSummary(completion, window, topic, reason, console);
        if (notDelivered > 0 || !completion.CleanDisconnect)
            console.Error.WriteLine($"zdmqtt: {notDelivered} of {completion.Sent} message(s) to {topic} not acknowledged: {reason}");
        return ExitCode.Failure;
    }

    // With the disk cache, what was not delivered is kept, not lost: say how much and where, and that a later run sends it.
    private static ExitCode CachedSummary(SinkCompletion completion, PublishWindow window, string topic, string reason, CliConsole console)
    {
        console.Error.WriteLine($"zdmqtt: {completion.Sent} message(s) accepted into the cache, {completion.Acknowledged} delivered to {topic}; "
            + $"{completion.Cached} kept in the cache {completion.CacheDirectory} for a later run ({reason})");
        if (window.Failed > 0) console.Error.WriteLine($"zdmqtt: {window.Failed} message(s) not accepted: {window.FirstError}");
        if (completion.Dropped > 0) console.Error.WriteLine($"zdmqtt: {completion.Dropped} message(s) dropped: the cache was full (cacheFullPolicy \"dropNewest\")");
        return completion.ErrorKind is SinkErrorKind.Unreachable or SinkErrorKind.Refused or SinkErrorKind.TlsFailure ? ExitCode.ConnectionFailed : ExitCode.Failure;
    }

    private static string Resent(MqttSink sink) => sink.Recovered > 0 ? $" (and {sink.Recovered} left in the cache by an earlier run)" : "";

    private static string Duration(TimeSpan t) => t.TotalSeconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.00} s");

    private static TimeSpan GiveUpAfter(string? text)
    {
        if (text is null) return TimeSpan.FromSeconds(DefaultGiveUpAfterSeconds);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0) || seconds > 86_400 * 365)
            throw new UsageException($"publish: --give-up-after needs a number of seconds greater than 0, not \"{text}\"");
        return TimeSpan.FromSeconds(seconds);
    }
}

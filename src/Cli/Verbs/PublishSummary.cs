using System.Globalization;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Sink;

namespace ZeroDepMqtt.Cli.Verbs;

/// <summary>
/// The last lines of <c>zdmqtt publish</c>, in the words that are true at the QoS: QoS 0 messages are "written"
/// (there is no acknowledgement; only a clean DISCONNECT on the connection they were written to makes them count),
/// QoS 1/2 messages are "acknowledged" (PUBACK, PUBCOMP). Success only when every line read was acknowledged (or,
/// at QoS 0, written with no connection lost after it) and the input was read to its end.
/// </summary>
internal sealed class PublishSummary(SinkSettings settings, SinkCompletion completion, long read, bool inputEnded,
    string? inputError, string? firstPublishError, TimeSpan elapsed, long? notAccepted = null)
{
    private bool Qos0 => settings.Qos == QualityOfService.AtMostOnce;

    private string Done => Qos0 ? "written" : "acknowledged";

    /// <summary>Lines read but never accepted by the sink (it had stopped or was completing). With shaping options a
    /// line can become several messages or share one (batches), so the window counts refused lines itself.</summary>
    public long NotSent => notAccepted ?? Math.Max(0, read - completion.Sent);

    /// <summary>Whether the run did everything it was asked and the broker confirmed it as far as the QoS can.</summary>
    public bool Succeeded => inputEnded && inputError is null && NotSent == 0 && completion.AllAcknowledged
        && completion.CleanDisconnect && completion.WrittenBeforeConnectionLoss == 0 && completion.QuickBrokerCloses == 0
        && completion.Reason is null && completion.Dropped == 0;

    /// <summary>The lines to print on stderr.</summary>
    public IEnumerable<string> Lines()
    {
        string topic = $"\"{settings.Topic}\" at QoS {(int)settings.Qos}";
        if (Succeeded)
        {
            yield return Qos0
                ? $"zdmqtt: {completion.Sent} message(s) written to {topic}, then a clean DISCONNECT (QoS 0 has no acknowledgement){Timing()}"
                : $"zdmqtt: {completion.Sent} message(s) published to {topic}, all acknowledged ({(settings.Qos == QualityOfService.AtLeastOnce ? "PUBACK" : "PUBCOMP")}){Timing()}";
            if (QoS2Limit() is { } lowered) yield return lowered;
            yield break;
        }
        if (inputError is not null) yield return $"zdmqtt: {inputError}";
        string counts = $"{completion.Acknowledged} {Done}, {completion.Unacknowledged} not {Done}";
        if (NotSent > 0) counts += $", {NotSent} read but not sent";
        if (!inputEnded) counts += ", the rest of the input not read";
        string? reason = completion.Reason ?? firstPublishError;
        yield return $"zdmqtt: {read} message(s) to {topic}: {counts}{(reason is null ? "" : $" ({reason})")}";
        if (completion.WrittenBeforeConnectionLoss > 0)
            yield return $"zdmqtt: {completion.WrittenBeforeConnectionLoss} of the written message(s) went out on a connection that then dropped "
                + $"({completion.ConnectionsLost} connection(s) lost): QoS 0 has no acknowledgement, so they may never have reached the broker";
        if (QoS2Limit() is { } limit) yield return limit;
        if (completion.QuickBrokerCloses > 0 && completion.StoppedBecause is not (SinkErrorKind.ClientIdInUse or SinkErrorKind.NoProgress))
            yield return $"zdmqtt: {settings.Broker} closed the connection right after accepting it {completion.QuickBrokerCloses} time(s): "
                + $"if another client uses the client id \"{settings.ClientId}\", the broker may have dropped messages it had acknowledged";
        if (completion.Dropped > 0)
            yield return $"zdmqtt: {completion.Dropped} message(s) dropped: the cache was full (cacheFullPolicy \"{(settings.Cache?.FullPolicy == CacheFullPolicy.DropOldest ? "dropOldest" : "dropNewest")}\")";
        if (completion.WrittenBeforeConnectionLoss == 0 && !completion.CleanDisconnect && completion.Reason is null)
            yield return "zdmqtt: the connection was lost before a clean DISCONNECT";
    }

    private string? QoS2Limit() => completion.QoS2LimitCloses == 0 ? null
        : $"zdmqtt: {settings.Broker} closed the connection {completion.QoS2LimitCloses} time(s) on a QoS 2 PUBLISH with QoS 2 messages "
          + $"in flight, as a broker does over its own QoS 2 limit; the QoS 2 window is now {completion.QoS2Window}: run with "
          + $"--qos2-window {completion.QoS2Window} (or raise the broker's limit, Mosquitto max_inflight_messages)";

    private string Timing()
    {
        // Rates of very short runs say nothing; durations under a second in milliseconds.
        string duration = elapsed.TotalSeconds < 1
            ? string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalMilliseconds:0} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.00} s");
        if (elapsed.TotalSeconds < 0.5 || completion.Sent < 100) return $" ({duration})";
        return string.Create(CultureInfo.InvariantCulture, $" ({duration}, {completion.Sent / elapsed.TotalSeconds:0} msg/s)");
    }
}

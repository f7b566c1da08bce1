using System.Globalization;
using System.Text;

namespace ZeroDepMqtt.Sink.Shaping;

internal sealed partial class MessageShaper
{
    /// <summary>The shaping settings for <c>zdmqtt validate</c>, one per line.</summary>
    public void Describe(StringBuilder b, Action<StringBuilder, string, string> line)
    {
        if (TopicTemplate is not null) line(b, "topic pattern", "yes: the topic above is filled from each message");
        line(b, "sendSingle", SendSingle ? "true (one message per array element)" : "false (an array is one message)");
        if (DataTemplate is not null) line(b, "dataTemplate", DataTemplate.Source);
        if (DataField is not null) line(b, "dataField", Encoding.UTF8.GetString(DataField));
        if (Fields is not null) line(b, "fields", string.Join(", ", Fields.Select(f => Encoding.UTF8.GetString(f))));
        if (ExcludeFields is not null) line(b, "excludeFields", string.Join(", ", ExcludeFields.Select(f => Encoding.UTF8.GetString(f))));
        line(b, "format", Format == ShapeFormat.Json ? "json"
            : $"delimited (delimiter \"{Encoding.UTF8.GetString(Delimiter)}\", {(HasHeader ? "with" : "no")} header)");
        line(b, "omitIfEmpty", OmitIfEmpty ? "true" : "false");
        if (Batches)
            line(b, "batch", string.Create(CultureInfo.InvariantCulture,
                $"up to {(BatchSize > 0 ? BatchSize.ToString(CultureInfo.InvariantCulture) : "unlimited")} result(s){(LingerInterval > TimeSpan.Zero ? $" or {LingerInterval.TotalMilliseconds:0} ms" : "")} per message"));
        line(b, "compression", Compression == PayloadCompression.None ? "(none)" : Compression.ToString().ToLowerInvariant());
        line(b, "input", "each input must be one JSON value");
    }
}

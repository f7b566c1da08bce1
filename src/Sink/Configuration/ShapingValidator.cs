using System.Globalization;
using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Sink.Shaping;
using N = ZeroDepMqtt.Sink.Configuration.OptionNames;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>Checks the message-shaping options and compiles them (templates, topic pattern) into a <see cref="MessageShaper"/>,
/// or null when none is set (the plain path: each payload as given, to the fixed topic).</summary>
internal static class ShapingValidator
{
    /// <summary>At most this many results per batch: below the messages zdmqtt keeps outstanding (in flight plus queued),
    /// so a full batch can always form.</summary>
    public const int MaxBatchSize = 10_000;
    public const int MaxLingerMilliseconds = 3_600_000;

    public static bool AnySet(MqttSinkOptions o)
        => o.SendSingle || o.Fields is not null || o.ExcludeFields is not null || o.DataField is not null || o.DataTemplate is not null
        || o.Format is not null || o.Delimiter is not null || o.HasHeader || o.OmitIfEmpty || o.BatchSize != 0 || o.LingerInterval != 0
        || o.Compression is not null || (o.Topic?.Contains("{{", StringComparison.Ordinal) ?? false);

    public static MessageShaper? Resolve(MqttSinkOptions o, string? topic, MqttProtocolVersion? version, ProblemList p)
    {
        if (!AnySet(o)) return null;
        var topicTemplate = topic is not null && topic.Contains("{{", StringComparison.Ordinal) ? Compile(N.Topic, topic, p) : null;
        var dataTemplate = o.DataTemplate is null || p.HasError(N.DataTemplate) ? null : Compile(N.DataTemplate, o.DataTemplate, p);
        var format = Format(o, p);
        byte[]? delimiter = Delimiter(o, format, p);
        var fields = Names(N.Fields, o.Fields, p);
        var exclude = Names(N.ExcludeFields, o.ExcludeFields, p);
        if (fields is not null && exclude is not null)
            p.Error(N.ExcludeFields, "is set together with fields; set one: fields keeps the listed fields, excludeFields drops them");
        if (o.DataField is { Length: 0 }) p.Error(N.DataField, "is empty; name a field, such as \"tele\", or leave it out");
        if (o.HasHeader && format != ShapeFormat.Delimited && !p.HasError(N.Format))
            p.Warn(N.HasHeader, "only applies to format \"delimited\"; ignored");
        Range(N.BatchSize, o.BatchSize, MaxBatchSize, "messages", p);
        Range(N.LingerInterval, o.LingerInterval, MaxLingerMilliseconds, "milliseconds", p);
        bool batches = o.BatchSize > 0 || o.LingerInterval > 0;
        if (batches && o.HasHeader && format == ShapeFormat.Delimited)
            p.Error(N.HasHeader, "with batchSize or lingerInterval is not supported (each batched row would repeat the header); drop one");
        var compression = Compression(o.Compression, p);
        if (p.Errors.Count > 0 || topic is null) return null;
        return new MessageShaper
        {
            StaticTopic = topicTemplate is null ? TopicName.Create(topic) : default,
            TopicTemplate = topicTemplate,
            MaxTopicBytes = version == MqttProtocolVersion.V310 ? OptionsValidator.MaxTopicBytesV310 : MqttUtf8.MaxLength,
            SendSingle = o.SendSingle,
            Fields = fields,
            ExcludeFields = exclude,
            DataField = o.DataField is null ? null : Encoding.UTF8.GetBytes(o.DataField),
            DataTemplate = dataTemplate,
            Format = format,
            Delimiter = delimiter ?? ","u8.ToArray(),
            HasHeader = o.HasHeader,
            OmitIfEmpty = o.OmitIfEmpty,
            BatchSize = o.BatchSize,
            LingerInterval = TimeSpan.FromMilliseconds(o.LingerInterval),
            Compression = compression,
        };
    }

    private static CompiledTemplate? Compile(string option, string template, ProblemList p)
    {
        try
        {
            return CompiledTemplate.Parse(template);
        }
        catch (FormatException e)
        {
            p.Error(option, $"is not a template this sink supports: {e.Message}");
            return null;
        }
    }

    private static ShapeFormat Format(MqttSinkOptions o, ProblemList p)
    {
        if (o.Format is null || p.HasError(N.Format)) return ShapeFormat.Json;
        switch (o.Format.ToLowerInvariant())
        {
            case "json": return ShapeFormat.Json;
            case "delimited": return ShapeFormat.Delimited;
            case "protobuf" or "binary" or "custom":
                p.Error(N.Format, $"\"{o.Format}\" is not supported by this sink (it needs eKuiper's schema registry or plugins); expected \"json\" or \"delimited\"");
                return ShapeFormat.Json;
            default:
                p.Error(N.Format, $"{JsonText.Quote(o.Format)} is not a format; expected \"json\" or \"delimited\"{DidYouMean(o.Format, ["json", "delimited"])}");
                return ShapeFormat.Json;
        }
    }

    private static byte[]? Delimiter(MqttSinkOptions o, ShapeFormat format, ProblemList p)
    {
        if (o.Delimiter is null || p.HasError(N.Delimiter)) return null;
        if (o.Delimiter.Length == 0) { p.Error(N.Delimiter, "is empty; expected a separator such as \",\" or \";\""); return null; }
        if (o.Delimiter.Contains('\n')) { p.Error(N.Delimiter, "contains a line break, which separates rows; choose another separator"); return null; }
        if (format != ShapeFormat.Delimited && !p.HasError(N.Format)) p.Warn(N.Delimiter, "only applies to format \"delimited\"; ignored");
        return Encoding.UTF8.GetBytes(o.Delimiter);
    }

    private static byte[][]? Names(string option, IReadOnlyList<string>? names, ProblemList p)
    {
        if (names is null || p.HasError(option)) return null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name.Length == 0) { p.Error(option, "holds an empty field name"); return null; }
            if (!seen.Add(name)) { p.Error(option, $"names \"{name}\" twice; keep one"); return null; }
        }
        return [.. names.Select(Encoding.UTF8.GetBytes)];
    }

    private static void Range(string option, int value, int max, string unit, ProblemList p)
    {
        if (p.HasError(option) || (value >= 0 && value <= max)) return;
        p.Error(option, $"{value.ToString(CultureInfo.InvariantCulture)} is out of range; expected 0 (off) to {max.ToString(CultureInfo.InvariantCulture)} {unit}");
    }

    private static PayloadCompression Compression(string? name, ProblemList p)
    {
        if (name is null || p.HasError(N.Compression)) return PayloadCompression.None;
        switch (name.ToLowerInvariant())
        {
            case "": return PayloadCompression.None;
            case "zlib": return PayloadCompression.Zlib;
            case "gzip": return PayloadCompression.Gzip;
            case "flate": return PayloadCompression.Flate;
            case "zstd":
                p.Error(N.Compression, "\"zstd\" is not available: .NET 10's System.IO.Compression has no Zstandard codec and this sink takes no other dependency; use \"zlib\", \"gzip\" or \"flate\"");
                return PayloadCompression.None;
            default:
                p.Error(N.Compression, $"{JsonText.Quote(name)} is not a compression; expected \"zlib\", \"gzip\" or \"flate\"{DidYouMean(name, PayloadCompressor.Names)}");
                return PayloadCompression.None;
        }
    }

    private static string DidYouMean(string value, string[] accepted)
        => OptionNames.ClosestOf(value, accepted) is { } close ? $"; did you mean \"{close}\"?" : "";
}

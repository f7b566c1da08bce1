using System.Buffers;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>The <c>format</c> option.</summary>
internal enum ShapeFormat { Json, Delimited }

/// <summary>
/// Turns one input JSON value into the messages eKuiper's sink pipeline would send (transform, then encode):
/// split by <c>sendSingle</c>, topic resolved per message, then <c>dataTemplate</c>, <c>dataField</c>,
/// <c>fields</c>/<c>excludeFields</c>, and <c>format</c>. Built once from validated options; immutable and
/// thread-safe (per-thread scratch holds the index and buffers, so steady state allocates nothing).
/// </summary>
internal sealed partial class MessageShaper
{
    private sealed class Scratch
    {
        public readonly JsonIndex Input = new();
        public readonly JsonIndex Transformed = new();
        public readonly TemplateRunner Runner = new();
        public readonly ArrayBufferWriter<byte> Topic = new(256);
        public readonly ArrayBufferWriter<byte> Template = new(1024);
        public readonly ShapeResults Results = new();
        public int[] Order = new int[16];
        public (int Start, int End, JsonKind Kind)[] Found = new (int, int, JsonKind)[8];
    }

    [ThreadStatic] private static Scratch? t_scratch;

    private readonly TopicCache _topics = new();

    public required TopicName StaticTopic { get; init; }
    public CompiledTemplate? TopicTemplate { get; init; }
    public int MaxTopicBytes { get; init; } = ZeroDepMqtt.Protocol.MqttUtf8.MaxLength;
    public bool SendSingle { get; init; }
    public byte[][]? Fields { get; init; }
    public byte[][]? ExcludeFields { get; init; }
    public byte[]? DataField { get; init; }
    public CompiledTemplate? DataTemplate { get; init; }
    public ShapeFormat Format { get; init; }
    public byte[] Delimiter { get; init; } = ","u8.ToArray();
    public bool HasHeader { get; init; }
    public bool OmitIfEmpty { get; init; }
    public PayloadCompression Compression { get; init; }
    public int BatchSize { get; init; }
    public TimeSpan LingerInterval { get; init; }

    /// <summary>True when messages are gathered into batches (<c>batchSize</c> or <c>lingerInterval</c> set).</summary>
    public bool Batches => BatchSize > 0 || LingerInterval > TimeSpan.Zero;

    // Pre-encoded "name": for each kept field, so writing a projection copies bytes only.
    private byte[][]? _fieldKeys;
    private byte[][] FieldKeys => _fieldKeys ??= [.. Fields!.Select(f => System.Text.Encoding.UTF8.GetBytes($"\"{System.Text.Json.JsonEncodedText.Encode(f)}\":"))];

    private bool Transforms => DataTemplate is not null || DataField is not null || Fields is not null || ExcludeFields is not null || Format != ShapeFormat.Json;

    /// <summary>Shapes <paramref name="input"/>. The results are valid until the next call on this thread.</summary>
    public ShapeResults Shape(ReadOnlyMemory<byte> input) => Shape(input, flatLane: true);

    /// <summary>As <see cref="Shape(ReadOnlyMemory{byte})"/>; <paramref name="flatLane"/> false skips the flat-object
    /// lane (tests compare the two).</summary>
    internal ShapeResults Shape(ReadOnlyMemory<byte> input, bool flatLane)
    {
        var s = t_scratch ??= new Scratch();
        var results = s.Results;
        results.Clear();
        if (flatLane && Flat != FlatPlan.None && TryShapeFlat(s, Flat, input.Span)) return results;
        results.Clear();
        if (!s.Input.TryParse(input, out string? error))
        {
            results.Add(new ShapeResults.Entry { Error = $"the message is {error}" });
            return results;
        }
        var index = s.Input;
        if (SendSingle && index[0].Kind == JsonKind.Array)
        {
            for (int child = index.FirstChild(0); child >= 0; child = index.NextChild(0, child))
                ShapeItem(s, index, child);
            if (index[0].Count == 0 && OmitIfEmpty) results.Add(new ShapeResults.Entry { Omitted = true });
        }
        else
        {
            ShapeItem(s, index, 0);
        }
        return results;
    }

    private void ShapeItem(Scratch s, JsonIndex index, int item)
    {
        var entry = new ShapeResults.Entry();
        try
        {
            if (!ResolveTopic(s, index, item, out entry.Topic, out entry.Error)) { s.Results.Add(entry); return; }
            if (!Transforms)
            {
                var n = index[item];
                bool whole = item == 0;
                entry.FromInput = true;
                entry.Start = whole ? 0 : n.Start;
                entry.Length = whole ? index.Json.Length : n.End - n.Start;
                entry.Omitted = OmitIfEmpty && IsEmpty(index, item);
                s.Results.Add(entry);
                return;
            }
            var payloads = s.Results.Payloads;
            entry.Start = payloads.WrittenCount;
            entry.Error = Transform(s, index, item, payloads, out bool empty);
            entry.Length = payloads.WrittenCount - entry.Start;
            entry.Omitted = entry.Error is null && OmitIfEmpty && empty;
        }
        catch (TemplateRuntimeException e)
        {
            entry.Error = $"dataTemplate: {e.Message}";
        }
        s.Results.Add(entry);
    }

    private bool ResolveTopic(Scratch s, JsonIndex index, int item, out TopicName topic, out string? error)
    {
        if (TopicTemplate is null) { (topic, error) = (StaticTopic, null); return true; }
        s.Topic.ResetWrittenCount();
        if (TopicTemplate.TryRenderPlain(index, item, s.Topic))
            return TopicOf(s.Topic.WrittenSpan, out topic, out error);
        s.Topic.ResetWrittenCount();
        try
        {
            s.Runner.Run(TopicTemplate, index, item, s.Topic);
        }
        catch (TemplateRuntimeException e)
        {
            (topic, error) = (default, $"topic: {e.Message}");
            return false;
        }
        var bytes = s.Topic.WrittenSpan;
        if (s.Runner.PrintedMissing)
        {
            (topic, error) = (default, $"topic \"{TopicTemplate.Source}\": a field it names is missing in the message");
            return false;
        }
        return TopicOf(bytes, out topic, out error);
    }

    private bool TopicOf(ReadOnlySpan<byte> bytes, out TopicName topic, out string? error)
    {
        if (!_topics.TryGet(bytes, MaxTopicBytes, out topic, out error)) { error = $"topic: {error}"; return false; }
        return true;
    }

    internal static bool IsEmpty(JsonIndex index, int node) => index[node].Kind switch
    {
        JsonKind.Object or JsonKind.Array => index[node].Count == 0,
        JsonKind.Null => true,
        JsonKind.String => index[node].End - index[node].Start == 2,
        _ => false,
    };
}

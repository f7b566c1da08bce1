using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// <c>resendIndicatorField</c>: a message re-sent from the cache whose payload is a JSON object gets that field set
/// to <c>true</c> (added at the end, or replaced where it is), as eKuiper does. Any other payload (not JSON, an
/// array, a number, an object with a duplicate top-level key) is sent as it is. Only re-sent messages pay for this;
/// live ones are untouched.
/// </summary>
/// <remarks>
/// A token copy from <see cref="Utf8JsonReader"/> to <see cref="Utf8JsonWriter"/>, not System.Text.Json.Nodes:
/// JsonNode cost the Native AOT <c>zdmqtt</c> binary about 90 KB (issue 15's 8 MiB goal). The output is what
/// JsonNode wrote: compact, numbers as they were, strings and names unescaped then escaped again by
/// <see cref="Writer"/>.
/// </remarks>
internal static class ResendMarker
{
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The marked payload in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, or null when the
    /// payload is not a JSON object.</summary>
    public static byte[]? TryMark(ReadOnlySpan<byte> payload, string field, out int length)
    {
        length = 0;
        var output = new ArrayBufferWriter<byte>(payload.Length + field.Length + 16);
        try
        {
            using var writer = new Utf8JsonWriter(output, Writer);
            if (!Copy(payload, field, writer)) return null;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return null; // not JSON, or text the writer refuses (invalid UTF-8): sent unchanged
        }
        var buffer = ArrayPool<byte>.Shared.Rent(output.WrittenCount);
        output.WrittenSpan.CopyTo(buffer);
        length = output.WrittenCount;
        return buffer;
    }

    /// <summary>Copies the object in <paramref name="payload"/> with <paramref name="field"/> set; false when the
    /// payload is not one object or has a top-level key twice (which object would the field belong to?).</summary>
    private static bool Copy(ReadOnlySpan<byte> payload, string field, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        writer.WriteStartObject();
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool replaced = false;
        while (reader.Read())
        {
            if (reader.CurrentDepth == 0)
            {
                // The top-level object's end: anything after it but white space makes the next Read throw.
                if (!replaced) writer.WriteBoolean(field, true);
                writer.WriteEndObject();
                return !reader.Read();
            }
            if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!names.Add(name)) return false;
                writer.WritePropertyName(name);
                if (name == field)
                {
                    reader.Read();
                    reader.Skip(); // its old value
                    writer.WriteBooleanValue(true);
                    replaced = true;
                }
                continue;
            }
            CopyToken(ref reader, writer);
        }
        return false; // unreachable: a truncated object throws
    }

    private static void CopyToken(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject: writer.WriteStartObject(); break;
            case JsonTokenType.EndObject: writer.WriteEndObject(); break;
            case JsonTokenType.StartArray: writer.WriteStartArray(); break;
            case JsonTokenType.EndArray: writer.WriteEndArray(); break;
            case JsonTokenType.PropertyName: WriteText(ref reader, writer, name: true); break;
            case JsonTokenType.String: WriteText(ref reader, writer, name: false); break;
            // The reader has checked the number's syntax; it is copied as written (1.50e3 stays 1.50e3).
            case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
            case JsonTokenType.True: writer.WriteBooleanValue(true); break;
            case JsonTokenType.False: writer.WriteBooleanValue(false); break;
            case JsonTokenType.Null: writer.WriteNullValue(); break;
            default: throw new JsonException($"unexpected JSON token {reader.TokenType}");
        }
    }

    private static void WriteText(ref Utf8JsonReader reader, Utf8JsonWriter writer, bool name)
    {
        if (!reader.ValueIsEscaped)
        {
            Write(writer, reader.ValueSpan, name);
            return;
        }
        // Unescaped text is never longer than its escaped form.
        byte[] text = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            Write(writer, text.AsSpan(0, reader.CopyString(text)), name);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(text);
        }
    }

    private static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8, bool name)
    {
        if (name) writer.WritePropertyName(utf8);
        else writer.WriteStringValue(utf8);
    }
}

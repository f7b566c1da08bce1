using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZeroDepMqtt.Sink.Cache;

/// <summary>
/// <c>resendIndicatorField</c>: a message re-sent from the cache whose payload is a JSON object gets that field set
/// to <c>true</c> (added, or replaced), as eKuiper does. Any other payload (not JSON, an array, a number) is sent as
/// it is. Only re-sent messages pay for this; live ones are untouched.
/// </summary>
internal static class ResendMarker
{
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The marked payload in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, or null when the
    /// payload is not a JSON object.</summary>
    public static byte[]? TryMark(ReadOnlySpan<byte> payload, string field, out int length)
    {
        length = 0;
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(payload) as JsonObject;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return null; // not JSON, or an object with a duplicate key: sent unchanged
        }
        if (json is null) return null;
        json[field] = true;
        var output = new ArrayBufferWriter<byte>(payload.Length + field.Length + 16);
        using (var writer = new Utf8JsonWriter(output, Writer)) json.WriteTo(writer);
        var buffer = ArrayPool<byte>.Shared.Rent(output.WrittenCount);
        output.WrittenSpan.CopyTo(buffer);
        length = output.WrittenCount;
        return buffer;
    }
}

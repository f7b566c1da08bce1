using System.Text;
using System.Text.Unicode;

namespace ZeroDepMqtt.Protocol;

/// <summary>
/// UTF-8 string rules of MQTT 3.1.1 §1.5.3: well-formed, no surrogate code points (MQTT-1.5.3-1),
/// no U+0000 (MQTT-1.5.3-2); a BOM inside a string is kept (MQTT-1.5.3-3).
/// </summary>
public static class MqttUtf8
{
    /// <summary>The longest string a two-byte length prefix can carry.</summary>
    public const int MaxLength = 65_535;

    // Strict: Encoding.UTF8 would silently substitute U+FFFD for bad input, which hides violations.
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Finds the first violation in <paramref name="utf8"/>: returns -1 when the bytes are a valid MQTT string,
    /// else the index of the offending byte and the reason.
    /// </summary>
    public static int FindInvalid(ReadOnlySpan<byte> utf8, out MqttErrorReason reason)
    {
        reason = default;
        int nul = utf8.IndexOf((byte)0);
        // Utf8.IsValid rejects encoded surrogates (ED A0..ED BF) as ill-formed, as MQTT-1.5.3-1 demands.
        if (nul < 0 && Utf8.IsValid(utf8)) return -1;
        int i = 0;
        while (i < utf8.Length)
        {
            if (utf8[i] == 0) { reason = MqttErrorReason.NullCharacter; return i; }
            var status = System.Text.Rune.DecodeFromUtf8(utf8[i..], out _, out int consumed);
            if (status != System.Buffers.OperationStatus.Done) { reason = MqttErrorReason.InvalidUtf8; return i; }
            i += consumed;
        }
        return -1;
    }

    /// <summary>
    /// Counts the UTF-8 bytes of <paramref name="value"/> and checks the MQTT string rules.
    /// </summary>
    /// <exception cref="ArgumentException">A lone surrogate, U+0000, or more than 65,535 bytes.</exception>
    public static int GetByteCount(string value, string paramName) => GetByteCount(value, paramName, "MQTT-1.5.3");

    /// <summary>As <see cref="GetByteCount(string, string)"/>, citing <paramref name="lengthSpecId"/> for the length limit.</summary>
    internal static int GetByteCount(string value, string paramName, string lengthSpecId)
    {
        int nul = value.IndexOf('\0');
        if (nul >= 0) ThrowHelper.Argument(paramName, $"{paramName} contains U+0000 at character {nul} (MQTT-1.5.3-2).");
        int count;
        try
        {
            count = Strict.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            ThrowHelper.Argument(paramName, $"{paramName} contains a lone surrogate at character {e.Index} (MQTT-1.5.3-1).");
            return 0;
        }
        if (count > MaxLength) ThrowHelper.Argument(paramName, $"{paramName} is {count} UTF-8 bytes; at most {MaxLength} fit ({lengthSpecId}).");
        return count;
    }

    /// <summary>Encodes a string that <see cref="GetByteCount(string, string)"/> accepted.</summary>
    internal static int Encode(string value, Span<byte> destination) => Strict.GetBytes(value, destination);

    /// <summary>Validates and encodes a string to a new array.</summary>
    /// <exception cref="ArgumentException">The string breaks the MQTT string rules.</exception>
    public static byte[] GetBytes(string value, string paramName) => GetBytes(value, paramName, "MQTT-1.5.3");

    internal static byte[] GetBytes(string value, string paramName, string lengthSpecId)
    {
        var bytes = new byte[GetByteCount(value, paramName, lengthSpecId)];
        Encode(value, bytes);
        return bytes;
    }

    /// <summary>Decodes bytes that <see cref="FindInvalid"/> accepted.</summary>
    internal static string Decode(ReadOnlySpan<byte> utf8) => Strict.GetString(utf8);
}

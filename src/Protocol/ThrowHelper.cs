using System.Diagnostics.CodeAnalysis;

namespace ZeroDepMqtt.Protocol;

// Throws live here so the hot read and write methods stay small and inlinable.
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Protocol(MqttErrorReason reason, string? packet, string detail, long offset, string? specId = null)
        => throw new MqttProtocolException(reason, packet, detail, offset, specId);

    [DoesNotReturn]
    public static T Protocol<T>(MqttErrorReason reason, string? packet, string detail, long offset, string? specId = null)
        => throw new MqttProtocolException(reason, packet, detail, offset, specId);

    [DoesNotReturn]
    public static void Argument(string paramName, string message)
        => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ArgumentOutOfRange(string paramName, string message)
        => throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);
}

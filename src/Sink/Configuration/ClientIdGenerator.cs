namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>
/// Makes client ids that every broker must accept: 23 characters from [0-9a-zA-Z] (MQTT-3.1.3-5, and the 3.1 limit).
/// "zdmqtt" plus 17 base-62 digits of a random Guid leaves about 101 random bits: collisions are not a concern.
/// </summary>
internal static class ClientIdGenerator
{
    public const string Prefix = "zdmqtt";
    public const int Length = ZeroDepMqtt.Protocol.MqttV310Limits.MaxClientIdLength;
    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Create()
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes);
        var value = new UInt128(BitConverter.ToUInt64(bytes[..8]), BitConverter.ToUInt64(bytes[8..]));
        Span<char> id = stackalloc char[Length];
        Prefix.CopyTo(id);
        for (int i = Length - 1; i >= Prefix.Length; i--)
        {
            id[i] = Digits[(int)(value % 62)];
            value /= 62;
        }
        return new string(id);
    }
}

namespace ZeroDepMqtt.Fuzz.Harness;

/// <summary>
/// The events of a session script: each is one byte (taken modulo the count), most followed by one argument byte.
/// Listed here so the seed corpus and the harness agree on the encoding.
/// </summary>
internal enum SessionOp : byte
{
    Publish,          // arg: bits 0-1 QoS (3 → 0), bit 2 retain, bits 3-7 extra payload bytes
    Flush,            // WriteOutgoing; the broker reads what was written
    Ack,              // args: which in-flight id, which ack (0 the right one, 1 PUBACK, 2 PUBREC, 3 PUBCOMP, 4 PUBREL)
    Raw,              // arg: n, then n bytes the broker sends as they are
    Time,             // arg: advance the clock by arg × 250 ms, then Tick
    Lost,             // the connection drops
    Up,               // a new connection: ConnectionUp and write the CONNECT
    ConnAck,          // arg: bit 0 Session Present, bits 1-3 return code
    FailAll,
    Subscribe,        // arg: 1-3 filters, QoS
    Unsubscribe,      // arg: 1-3 filters
    Answer,           // arg: PINGRESP, or SUBACK/UNSUBACK for a sent request with the right or a wrong code count
    Disconnect,       // RequestDisconnect
    Reconnect,        // arg: bit 0 Session Present; Up then an accepting CONNACK
}

/// <summary>Reads a script: bytes past the end read as 0, so every input is a complete script.</summary>
internal sealed class ByteScript(byte[] data)
{
    private int _at;

    public bool AtEnd => _at >= data.Length;

    public byte Next() => _at < data.Length ? data[_at++] : (byte)0;

    public byte[] Take(int count)
    {
        int n = Math.Min(count, data.Length - _at);
        var bytes = data.AsSpan(_at, n).ToArray();
        _at += n;
        return bytes;
    }
}

namespace ZeroDepMqtt.Protocol.Tests.TestSupport;

/// <summary>Asserts on the decoder's one exception type and on encode-side argument errors.</summary>
internal static class ProtocolAssert
{
    /// <summary>The action must throw <see cref="MqttProtocolException"/> with this reason, id and offset.</summary>
    public static MqttProtocolException Rejects(Action action, MqttErrorReason reason, string? specId, long offset)
    {
        var e = Assert.Throws<MqttProtocolException>(action);
        Assert.Equal(reason, e.Reason);
        Assert.Equal(specId, e.SpecId);
        Assert.Equal(offset, e.Offset);
        if (specId is not null) Assert.Contains($"({specId})", e.Message);
        if (offset >= 0) Assert.Contains($" at byte {offset}", e.Message);
        return e;
    }

    /// <summary>Decoding <paramref name="hex"/> as one packet must fail this way.</summary>
    public static MqttProtocolException RejectsBytes(string hex, MqttErrorReason reason, string? specId, long offset,
        MqttProtocolVersion version = MqttProtocolVersion.V311)
        => Rejects(() => Wire.Decode(hex, version), reason, specId, offset);

    /// <summary>
    /// The action must throw an <see cref="ArgumentException"/> (or subclass) whose message cites <paramref name="specId"/>.
    /// </summary>
    public static ArgumentException RefusesArgument(Action action, string specId)
    {
        var e = Assert.ThrowsAny<ArgumentException>(action);
        // The id must stand alone: "MQTT-1.5.3" must not be satisfied by "MQTT-1.5.3-2".
        Assert.Matches(System.Text.RegularExpressions.Regex.Escape(specId) + @"(?![\d.-]*\d)", e.Message);
        return e;
    }
}

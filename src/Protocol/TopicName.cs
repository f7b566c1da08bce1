namespace ZeroDepMqtt.Protocol;

/// <summary>
/// A validated PUBLISH topic name held as UTF-8 bytes, so a publish path that reuses it encodes
/// without re-validating or allocating. Rules: MQTT-4.7.3-1 (not empty), MQTT-3.3.2-2 (no wildcards),
/// MQTT-4.7.3-2 (no U+0000), MQTT-4.7.3-3 (at most 65,535 bytes), MQTT-1.5.3-1 (well-formed UTF-8).
/// </summary>
public readonly struct TopicName : IEquatable<TopicName>
{
    private TopicName(ReadOnlyMemory<byte> utf8) => Utf8 = utf8;

    /// <summary>The topic's UTF-8 bytes, without the length prefix.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>True for <c>default(TopicName)</c>, which no packet accepts.</summary>
    public bool IsEmpty => Utf8.IsEmpty;

    /// <summary>Validates and encodes <paramref name="topic"/>.</summary>
    /// <exception cref="ArgumentException">The topic breaks a topic-name rule; the message names it.</exception>
    public static TopicName Create(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length == 0) ThrowHelper.Argument(nameof(topic), "topic name is empty (MQTT-4.7.3-1).");
        int wildcard = topic.AsSpan().IndexOfAny('+', '#');
        if (wildcard >= 0)
            ThrowHelper.Argument(nameof(topic), $"topic name \"{topic}\" contains the wildcard '{topic[wildcard]}' at character {wildcard}; wildcards belong in subscriptions only (MQTT-3.3.2-2).");
        return new TopicName(MqttUtf8.GetBytes(topic, nameof(topic), "MQTT-4.7.3-3"));
    }

    /// <summary>Wraps bytes read off the wire after <see cref="Validate"/> accepted them.</summary>
    internal static TopicName FromValidated(ReadOnlyMemory<byte> utf8) => new(utf8);

    /// <summary>Checks topic-name rules on bytes whose UTF-8 was already checked; returns the bad index or -1.</summary>
    internal static int Validate(ReadOnlySpan<byte> utf8, out string problem, out string specId)
    {
        problem = specId = "";
        if (utf8.IsEmpty) { problem = "topic name is empty"; specId = "MQTT-4.7.3-1"; return 0; }
        int wildcard = utf8.IndexOfAny((byte)'+', (byte)'#');
        if (wildcard >= 0) { problem = $"topic name contains the wildcard '{(char)utf8[wildcard]}'"; specId = "MQTT-3.3.2-2"; return wildcard; }
        return -1;
    }

    /// <summary>The topic as a string (allocates).</summary>
    public override string ToString() => Utf8.IsEmpty ? "" : MqttUtf8.Decode(Utf8.Span);

    /// <inheritdoc/>
    public bool Equals(TopicName other) => Utf8.Span.SequenceEqual(other.Utf8.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TopicName t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Utf8.Span);
        return hash.ToHashCode();
    }

    /// <summary>Equality by bytes.</summary>
    public static bool operator ==(TopicName left, TopicName right) => left.Equals(right);

    /// <summary>Inequality by bytes.</summary>
    public static bool operator !=(TopicName left, TopicName right) => !left.Equals(right);
}

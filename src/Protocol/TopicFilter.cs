namespace ZeroDepMqtt.Protocol;

/// <summary>
/// Topic filter rules (MQTT 3.1.1 §4.7): <c>#</c> is the whole filter or follows a <c>/</c> and is last
/// (MQTT-4.7.1-2); <c>+</c> fills a whole level (MQTT-4.7.1-3); not empty (MQTT-4.7.3-1).
/// </summary>
public static class TopicFilter
{
    /// <summary>Returns the index of the first misplaced wildcard, or -1 when <paramref name="filter"/> is valid.</summary>
    public static int FindInvalid(ReadOnlySpan<char> filter, out string problem, out string specId)
    {
        problem = specId = "";
        if (filter.IsEmpty) { problem = "topic filter is empty"; specId = "MQTT-4.7.3-1"; return 0; }
        for (int i = 0; i < filter.Length; i++)
        {
            char c = filter[i];
            bool levelStart = i == 0 || filter[i - 1] == '/';
            bool levelEnd = i == filter.Length - 1 || filter[i + 1] == '/';
            if (c == '#' && (!levelStart || i != filter.Length - 1))
            {
                problem = "'#' must be the last character and fill a whole level"; specId = "MQTT-4.7.1-2"; return i;
            }
            if (c == '+' && (!levelStart || !levelEnd))
            {
                problem = "'+' must fill a whole level"; specId = "MQTT-4.7.1-3"; return i;
            }
        }
        return -1;
    }

    /// <summary>Validates a filter for sending.</summary>
    /// <exception cref="ArgumentException">The filter breaks a rule; the message names it.</exception>
    public static int GetByteCount(string filter, string paramName)
    {
        ArgumentNullException.ThrowIfNull(filter, paramName);
        int bad = FindInvalid(filter, out var problem, out var specId);
        if (bad >= 0) ThrowHelper.Argument(paramName, $"topic filter \"{filter}\": {problem} (character {bad}, {specId}).");
        return MqttUtf8.GetByteCount(filter, paramName, "MQTT-4.7.3-3");
    }

    /// <summary>Whether <paramref name="topic"/> matches <paramref name="filter"/> (MQTT 3.1.1 §4.7, including MQTT-4.7.2-1 for <c>$</c> topics).</summary>
    public static bool Matches(string filter, string topic)
    {
        if (topic.Length > 0 && topic[0] == '$' && filter.Length > 0 && (filter[0] == '+' || filter[0] == '#')) return false;
        var f = filter.AsSpan();
        var t = topic.AsSpan();
        while (true)
        {
            int fs = f.IndexOf('/');
            var fLevel = fs < 0 ? f : f[..fs];
            if (fLevel.SequenceEqual("#")) return true;
            int ts = t.IndexOf('/');
            var tLevel = ts < 0 ? t : t[..ts];
            if (!fLevel.SequenceEqual("+") && !fLevel.SequenceEqual(tLevel)) return false;
            if (fs < 0 || ts < 0)
            {
                // "sport/#" also matches "sport" (MQTT 3.1.1 §4.7.1.2).
                if (fs >= 0 && ts < 0) return f[(fs + 1)..].SequenceEqual("#");
                return fs < 0 && ts < 0;
            }
            f = f[(fs + 1)..];
            t = t[(ts + 1)..];
        }
    }
}

using System.Text;
using ZeroDepMqtt.Sink.Shaping;

namespace ZeroDepMqtt.Sink.Tests.Shaping;

/// <summary>One shaped message as the tests see it.</summary>
public sealed record ShapedMessage(string? Topic, string? Payload, string? Error, bool Omitted);

/// <summary>Loads a config through the real loader and validator, then shapes inputs with the compiled shaper.</summary>
internal static class Shaped
{
    public static MessageShaper Shaper(string options)
    {
        var result = MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:1883", "protocolVersion": "3.1.1", {{options}}}""");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Settings!.Shaper ?? throw new InvalidOperationException("no shaping option set");
    }

    public static IReadOnlyList<string> Errors(string options)
        => [.. MqttSinkConfig.Parse($$"""{"server": "tcp://127.0.0.1:1883", {{options}}}""").Errors.Select(e => e.ToString())];

    public static List<ShapedMessage> Run(MessageShaper shaper, string input)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var results = shaper.Shape(bytes);
        var list = new List<ShapedMessage>();
        for (int i = 0; i < results.Count; i++)
        {
            ref var e = ref results[i];
            string? payload = e.Error is null ? Encoding.UTF8.GetString(results.PayloadOf(i, bytes)) : null;
            list.Add(new ShapedMessage(e.Error is null ? e.Topic.ToString() : null, payload, e.Error, e.Omitted));
        }
        return list;
    }

    public static List<ShapedMessage> Run(string options, string input) => Run(Shaper(options), input);
}

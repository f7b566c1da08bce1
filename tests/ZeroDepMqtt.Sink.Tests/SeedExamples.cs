namespace ZeroDepMqtt.Sink.Tests;

/// <summary>The two configurations users copy, exactly as docs/configuration.md and DESIGN.md print them.</summary>
public static class SeedExamples
{
    public const string AzureWrapped = """
        {"mqtt": {"server": "ssl://xyz.azure-devices.net:8883", "topic": "devices/demo_001/messages/events/",
          "protocolVersion": "3.1.1", "qos": 1, "clientId": "demo_001",
          "username": "xyz.azure-devices.net/demo_001/?api-version=2018-06-30",
          "password": "SharedAccessSignature sr=*******************", "retained": false}}
        """;

    public const string AwsWrapped = """
        {"mqtt": {"server": "ssl://xyz-ats.iot.us-east-1.amazonaws.com:8883", "topic": "devices/result", "qos": 1,
          "clientId": "demo_001", "certificationPath": "keys/d3807d9fa5-certificate.pem",
          "privateKeyPath": "keys/d3807d9fa5-private.pem.key", "retained": false}}
        """;

    /// <summary>The inner object of a wrapped example: the same options without {"mqtt": ...}.</summary>
    public static string Bare(string wrapped)
    {
        int open = wrapped.IndexOf('{', 1);
        int close = wrapped.LastIndexOf('}');
        return wrapped[open..close];
    }
}

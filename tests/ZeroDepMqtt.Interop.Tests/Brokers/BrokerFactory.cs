namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>Makes the broker of a <see cref="BrokerKind"/>, and the theory data that runs a case on each.</summary>
public static class BrokerFactory
{
    /// <summary>Every broker, in the order of the docs/interop.md columns.</summary>
    public static IReadOnlyList<BrokerKind> All { get; } = [BrokerKind.Mosquitto, BrokerKind.Aedes, BrokerKind.MqttNet];

    /// <summary>A stopped broker of that kind; with <paramref name="credentials"/>, it accepts that user only.</summary>
    public static IBrokerUnderTest Create(BrokerKind kind, BrokerCredentials? credentials = null) => kind switch
    {
        BrokerKind.Mosquitto => new MosquittoUnderTest(credentials),
        BrokerKind.Aedes => new AedesBroker(credentials),
        BrokerKind.MqttNet => new MqttNetBroker(credentials),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such broker"),
    };

    /// <summary>Starts a broker of that kind.</summary>
    public static async Task<IBrokerUnderTest> StartAsync(BrokerKind kind, BrokerCredentials? credentials = null, CancellationToken cancellationToken = default)
    {
        var broker = Create(kind, credentials);
        try
        {
            await broker.StartAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether the broker of that kind accepts MQTT 3.1, without starting it.</summary>
    public static bool SupportsV310(BrokerKind kind) => Create(kind).SupportsV310;

    /// <summary>One row per broker.</summary>
    public static TheoryData<BrokerKind> Brokers => new(All);

    /// <summary>One row per broker and protocol version.</summary>
    public static TheoryData<BrokerKind, Protocol.MqttProtocolVersion> BrokersAndVersions
    {
        get
        {
            var data = new TheoryData<BrokerKind, Protocol.MqttProtocolVersion>();
            foreach (var kind in All)
            {
                data.Add(kind, Protocol.MqttProtocolVersion.V310);
                data.Add(kind, Protocol.MqttProtocolVersion.V311);
            }
            return data;
        }
    }
}

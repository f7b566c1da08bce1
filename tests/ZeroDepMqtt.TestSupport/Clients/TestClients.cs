namespace ZeroDepMqtt.TestSupport;

/// <summary>Client options for the real-broker tests: a unique client id, quick reconnects, short timeouts.</summary>
public static class TestClients
{
    /// <summary>The broker's address as the client takes it.</summary>
    public static BrokerAddress Address(this MosquittoBroker broker, string? host = null)
        => new(host ?? broker.Host, broker.Port, broker.UsesTls);

    /// <summary>Options with a client id of at most 23 characters (MQTT 3.1's limit) starting with <paramref name="prefix"/>.</summary>
    public static MqttClientOptions Options(MosquittoBroker broker, string prefix) => new()
    {
        Broker = broker.Address(),
        ClientId = Id(prefix),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(250) },
        // A full Messages channel drops (the client's inbound policy); test subscribers count every message, so never fill it.
        ReceiveBufferCapacity = 1_000_000,
    };

    /// <summary>A unique client id of at most 23 characters.</summary>
    public static string Id(string prefix)
    {
        string id = prefix + "-" + Guid.NewGuid().ToString("N");
        return id[..Math.Min(23, id.Length)];
    }

    /// <summary>Creates a client and connects it.</summary>
    public static async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClient(options);
        try
        {
            await client.ConnectAsync().AsTask().Within(TimeSpan.FromSeconds(10), $"{options.ClientId} connected");
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads <paramref name="count"/> messages from <paramref name="client"/>.</summary>
    public static async Task<List<MqttApplicationMessage>> ReadAsync(this MqttClient client, int count, TimeSpan timeout)
    {
        var list = new List<MqttApplicationMessage>(count);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (list.Count < count) list.Add(await client.Messages.ReadAsync(cts.Token));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{client.Options.ClientId} received {list.Count} of {count} messages within {timeout.TotalSeconds:0.#} s");
        }
        return list;
    }
}

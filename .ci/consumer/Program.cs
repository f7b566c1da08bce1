// consumer <broker> <topic> <count> [<client-cert.pem> <key.pem>]
// Publishes <count> QoS 1 messages "message <i>" with MqttClient (all outstanding at once), then, with the sink, one
// more ("sink message") through MqttSink. Exit 0 only when the broker acknowledged every one.
using System.Globalization;
using System.Text;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;
#if WITH_CLIENT_CERT
using ZeroDepMqtt.Transport.Tls;
#endif
#if WITH_SINK
using ZeroDepMqtt.Sink;
#endif

if (args.Length is not (3 or 5))
{
    Console.Error.WriteLine("usage: consumer <broker> <topic> <count> [<client-cert.pem> <key.pem>]");
    return 2;
}
var options = new MqttClientOptions
{
    Broker = BrokerAddress.Parse(args[0]),
    ClientId = "consumer-smoke",
    CleanSession = true,
    Reconnect = new ReconnectOptions { GiveUpAfter = TimeSpan.FromSeconds(30) },
};
#if WITH_CLIENT_CERT
if (args.Length == 5)
    options = options with { Tls = new TlsOptions { ClientCertificatePath = args[3], PrivateKeyPath = args[4] } };
#endif
TopicName topic = TopicName.Create(args[1]);
int count = int.Parse(args[2], CultureInfo.InvariantCulture);

await using (var client = new MqttClient(options))
{
    await client.ConnectAsync();
    var pending = new Task[count];
    for (int i = 0; i < count; i++)
        pending[i] = client.PublishAsync(topic, Encoding.UTF8.GetBytes($"message {i}"), QualityOfService.AtLeastOnce).AsTask();
    await Task.WhenAll(pending);
    await client.DisconnectAsync();
    Console.WriteLine($"client: {count} messages acknowledged");
}

#if WITH_SINK
string json = $$"""{"server": "{{args[0]}}", "topic": "{{args[1]}}", "qos": 1, "clientId": "consumer-sink"}""";
await using (var sink = new MqttSink(MqttSinkConfig.Parse(json).GetSettingsOrThrow()))
{
    await sink.StartAsync();
    await sink.PublishAsync("sink message");
    SinkCompletion done = await sink.CompleteAsync();
    Console.WriteLine($"sink: {done.Acknowledged} of {done.Sent} acknowledged");
    if (done.Acknowledged != 1) return 1;
}
#endif
return 0;

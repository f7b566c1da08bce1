using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Bench.Throughput;

internal enum Publisher { Ours, Zdmqtt, MqttNet, MosquittoPub, Raw }

/// <summary>Where a row publishes: one real Mosquitto, or the in-process ack-only <see cref="NullBroker"/>.</summary>
internal enum BrokerKind { Mosquitto, Null }

/// <summary>
/// Issue 12's disk cache on a `zdmqtt publish` row: <see cref="Live"/> publishes with <c>enableCache</c> and
/// <c>cacheSync: always</c> (every line fsync'ed before it is accepted, group commit); <see cref="Drain"/> first spools
/// the lines into a cache with the broker unreachable (not timed), then times the run that sends them
/// (<c>--input /dev/null</c>); <see cref="DrainTwoQueues"/> the same with <c>resendAlterQueue</c> and
/// <c>resendPriority</c> -1 (per-record acknowledgement, and at QoS 2 a Sent record per message before it goes).
/// </summary>
internal enum CacheRun { None, Live, Drain, DrainTwoQueues }

/// <summary>One line of the table: a publisher, its mode, a QoS and payload size, and how many messages a run sends.</summary>
internal sealed record Row(Publisher Publisher, QualityOfService QoS, int Size, int Window, int Count, string Label, BrokerKind Broker = BrokerKind.Mosquitto, bool Shaped = false, CacheRun Cache = CacheRun.None)
{
    /// <summary>
    /// A <see cref="Shaped"/> row's input line (exactly <see cref="Size"/> bytes of JSON: 16 devices in turn) and what
    /// `fields` leaves of it, the payload that arrives. The plain `zdmqtt publish` row sends lines of the same size as
    /// they are, so the two rows' CPU per message compare issue 14's shaped path with the plain one.
    /// </summary>
    public static (string Line, int Published) ShapedLine(int size, int i)
    {
        string kept = $"{{\"device\":\"d{i % 16:00}\",\"t\":21.5,\"h\":40.25";
        string line = kept + ",\"pad\":\"" ;
        line += new string('x', Math.Max(0, size - line.Length - 2)) + "\"}";
        return (line, kept.Length + 1);
    }

    /// <summary>The payload size that arrives.</summary>
    public int ArrivingSize => Shaped ? ShapedLine(Size, 0).Published : Size;

    public string Group => (Broker == BrokerKind.Null ? "null/" : "") + $"qos{(int)QoS}/{SizeName(Size)}";
    public string Id => $"{Group}/{Label}";

    public static string SizeName(int size) => size >= 1024 && size % 1024 == 0 ? $"{size / 1024}KB" : $"{size}B";

    /// <summary>
    /// The matrix: for each QoS and payload, every publisher. Counts aim at one to two seconds per run on a
    /// 2-core machine, where one single-threaded Mosquitto is the bottleneck; sequential QoS 1/2 runs wait a
    /// round trip per message and send a tenth.
    /// </summary>
    public static List<Row> Plan(BenchOptions o)
    {
        var rows = new List<Row>();
        if (o.Brokers.Contains(BrokerKind.Mosquitto)) rows.AddRange(MosquittoPlan(o));
        if (o.Brokers.Contains(BrokerKind.Null)) rows.AddRange(NullPlan(o));
        return rows;
    }

    /// <summary>
    /// Against the null broker: 64-byte payloads, every publisher, counts for about a second at the rates of each
    /// (the client, not the broker, is the limit here). Windows are the client's choice: the broker allows any.
    /// </summary>
    private static List<Row> NullPlan(BenchOptions o)
    {
        var rows = new List<Row>();
        const int size = 64;
        foreach (var qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
        {
            int q = (int)qos;
            int ours = Scaled(q switch { 0 => 2_000_000, 1 => 1_000_000, _ => 500_000 }, o.Scale);
            int raw = Scaled(q switch { 0 => 10_000_000, 1 => 5_000_000, _ => 4_000_000 }, o.Scale);
            int mqttnet = Scaled(q == 0 ? 100_000 : 50_000, o.Scale);
            if (qos == QualityOfService.AtMostOnce)
            {
                rows.Add(new Row(Publisher.Ours, qos, size, 0, ours, "ours seq", BrokerKind.Null));
                rows.Add(new Row(Publisher.Ours, qos, size, 256, ours, "ours ring w256", BrokerKind.Null));
            }
            else
            {
                foreach (int w in o.Windows) rows.Add(new Row(Publisher.Ours, qos, size, w, ours, $"ours w{w}", BrokerKind.Null));
            }
            // PublishManyAsync: batches of 256, four outstanding (the library's batch path).
            rows.Add(new Row(Publisher.Ours, qos, size, 256, ours, "ours batch 256", BrokerKind.Null));
            rows.Add(new Row(Publisher.Zdmqtt, qos, size, 0, ours, "zdmqtt publish", BrokerKind.Null));
            rows.Add(new Row(Publisher.Zdmqtt, qos, size, 0, ours, "zdmqtt shaped", BrokerKind.Null, Shaped: true));
            rows.Add(new Row(Publisher.MqttNet, qos, size, 256, mqttnet, "MQTTnet w256", BrokerKind.Null));
            rows.Add(new Row(Publisher.MosquittoPub, qos, size, 0, qos == QualityOfService.AtMostOnce ? Scaled(1_000_000, o.Scale) : Math.Min(Scaled(60_000, o.Scale), 60_000), "mosquitto_pub -l", BrokerKind.Null));
            rows.Add(new Row(Publisher.Raw, qos, size, q == 0 ? 0 : 32_768, raw, q == 0 ? "raw ceiling" : "raw ceiling w32768", BrokerKind.Null));
        }
        return rows;
    }

    private static List<Row> MosquittoPlan(BenchOptions o)
    {
        var rows = new List<Row>();
        foreach (var qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
        foreach (var size in new[] { 64, 1024 })
        {
            int baseCount = (qos, size) switch
            {
                (QualityOfService.AtMostOnce, 64) => 200_000,
                (QualityOfService.AtMostOnce, _) => 100_000,
                (QualityOfService.AtLeastOnce, 64) => 100_000,
                (QualityOfService.AtLeastOnce, _) => 50_000,
                (_, 64) => 50_000,
                _ => 25_000,
            };
            int n = Scaled(baseCount, o.Scale);
            int seq = qos == QualityOfService.AtMostOnce ? Scaled(baseCount / 2, o.Scale) : Scaled(baseCount / 10, o.Scale);
            if (qos == QualityOfService.AtMostOnce)
            {
                rows.Add(new Row(Publisher.Ours, qos, size, 0, seq, "ours seq"));
                rows.Add(new Row(Publisher.Ours, qos, size, 256, n, "ours ring w256"));
            }
            else
            {
                foreach (int w in o.Windows) rows.Add(new Row(Publisher.Ours, qos, size, w, n, $"ours w{w}"));
            }
            rows.Add(new Row(Publisher.Zdmqtt, qos, size, 0, n, "zdmqtt publish"));
            if (qos != QualityOfService.AtMostOnce && size == 64)
            {
                rows.Add(new Row(Publisher.Zdmqtt, qos, size, 0, n, "zdmqtt cached", Cache: CacheRun.Live));
                rows.Add(new Row(Publisher.Zdmqtt, qos, size, 0, n, "zdmqtt drain", Cache: CacheRun.Drain));
                rows.Add(new Row(Publisher.Zdmqtt, qos, size, 0, n, "zdmqtt drain 2 queues", Cache: CacheRun.DrainTwoQueues));
            }
            rows.Add(new Row(Publisher.MqttNet, qos, size, 0, seq, "MQTTnet seq"));
            rows.Add(new Row(Publisher.MqttNet, qos, size, 256, n, "MQTTnet w256"));
            // mosquitto_pub -l stops at its 65,535th QoS 1/2 message and still exits 0 (DESIGN.md).
            rows.Add(new Row(Publisher.MosquittoPub, qos, size, 0, qos == QualityOfService.AtMostOnce ? n : Math.Min(n, 60_000), "mosquitto_pub -l"));
            int ceilingWindow = qos switch { QualityOfService.AtMostOnce => 0, QualityOfService.AtLeastOnce => 4096, _ => 256 };
            rows.Add(new Row(Publisher.Raw, qos, size, ceilingWindow, n, ceilingWindow == 0 ? "raw ceiling" : $"raw ceiling w{ceilingWindow}"));
        }
        return rows;
    }

    private static int Scaled(int count, double scale) => Math.Max(100, (int)(count * scale));
}

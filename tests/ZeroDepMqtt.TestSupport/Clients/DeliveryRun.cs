using System.Buffers.Binary;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// A publisher streaming numbered messages through a broker to a durable subscriber, with per-message bookkeeping:
/// which publishes completed (the client saw the broker's final ack) and how often each number arrived.
/// Both clients use CleanSession=false and reconnect on their own.
/// </summary>
public sealed class DeliveryRun : IAsyncDisposable
{
    private readonly int[] _acked;
    private readonly Task[] _publishes;
    private readonly SemaphoreSlim _outstanding;
    private readonly DeliveryTally _tally = new();
    private Task? _publishing;
    private Task? _consuming;
    private int _completed;

    private DeliveryRun(int count, QualityOfService qos, string topic, MqttClient publisher, MqttClient subscriber)
    {
        Count = count;
        QoS = qos;
        Topic = topic;
        Publisher = publisher;
        Subscriber = subscriber;
        _acked = new int[count];
        _publishes = new Task[count];
        // Fewer outstanding publishes than the client's queue holds: every PublishAsync is accepted at once, so the
        // messages enter the session (and go out) in number order.
        _outstanding = new SemaphoreSlim(publisher.Options.MaxQueuedMessages / 2);
        PublisherEvents = new ClientEvents(publisher);
        SubscriberEvents = new ClientEvents(subscriber);
    }

    /// <summary>Messages to publish.</summary>
    public int Count { get; }
    /// <summary>Their QoS.</summary>
    public QualityOfService QoS { get; }
    /// <summary>Their topic.</summary>
    public string Topic { get; }
    /// <summary>The publishing client.</summary>
    public MqttClient Publisher { get; }
    /// <summary>The durable subscriber.</summary>
    public MqttClient Subscriber { get; }
    /// <summary>The publisher's connection events.</summary>
    public ClientEvents PublisherEvents { get; }
    /// <summary>The subscriber's connection events.</summary>
    public ClientEvents SubscriberEvents { get; }
    /// <summary>Publishes whose awaiter has resumed successfully.</summary>
    public int Completed => Volatile.Read(ref _completed);
    /// <summary>Every copy received after the first of its number, in arrival order, with its DUP flag and the
    /// subscriber's connection count then: which side made it.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(int Number, bool Dup, long Connection)> ExtraCopies { get; } = new();
    /// <summary>Messages received, duplicates included.</summary>
    public int ReceivedTotal => (int)_tally.Received;

    /// <summary>Connects a durable subscriber (fixed id, QoS 2 subscription) and a publisher.</summary>
    public static async Task<DeliveryRun> CreateAsync(MosquittoBroker broker, int count, QualityOfService qos, int maxInFlightQoS2)
    {
        string topic = $"run/{qos}/{Guid.NewGuid():N}";
        var subscriber = await TestClients.ConnectAsync(TestClients.Options(broker, "durable-sub") with { CleanSession = false });
        Assert.Equal(QualityOfService.ExactlyOnce, await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce));
        var publisher = await TestClients.ConnectAsync(TestClients.Options(broker, "run-pub") with { CleanSession = false, MaxInFlightQoS2 = maxInFlightQoS2 });
        return new DeliveryRun(count, qos, topic, publisher, subscriber);
    }

    /// <summary>Starts publishing and consuming in the background.</summary>
    public void Start()
    {
        _consuming = Task.Run(ConsumeAsync);
        _publishing = Task.Run(PublishAllAsync);
    }

    /// <summary>Which numbers' publishes had completed, as of now.</summary>
    public bool[] AckedSnapshot() { Interlocked.MemoryBarrier(); return [.. _acked.Select(a => a != 0)]; }

    /// <summary>How often number <paramref name="i"/> arrived so far.</summary>
    public int ReceivedCount(int i) => _tally.CountOf(i);

    /// <summary>Waits for every publish to complete; rethrows the first failure.</summary>
    public async Task WaitPublishedAsync(TimeSpan timeout)
    {
        await _publishing!.Within(timeout, "every publish was issued");
        await Task.WhenAll(_publishes).Within(timeout, $"every publish completed ({Completed} of {Count})");
    }

    /// <summary>Waits until every number in <paramref name="expected"/> has arrived at least once.</summary>
    public Task WaitReceivedAsync(IEnumerable<int> expected, TimeSpan timeout)
    {
        var list = expected.ToArray();
        return Eventually.WaitUntilAsync(() => list.All(i => ReceivedCount(i) > 0), timeout,
            $"the subscriber received every expected message (missing {list.Count(i => ReceivedCount(i) == 0)} of {list.Length})");
    }

    /// <summary>Counts: numbers never received, numbers received more than once, extra copies.</summary>
    public (int Missing, int Duplicated, int ExtraCopies) Tally()
    {
        int missing = 0, duplicated = 0, extra = 0;
        for (int i = 0; i < Count; i++)
        {
            int n = ReceivedCount(i);
            if (n == 0) missing++;
            if (n > 1) { duplicated++; extra += n - 1; }
        }
        return (missing, duplicated, extra);
    }

    private async Task PublishAllAsync()
    {
        for (int i = 0; i < Count; i++)
        {
            await _outstanding.WaitAsync();
            var payload = new byte[16];
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            _publishes[i] = TrackAsync(i, Publisher.PublishAsync(Topic, payload, QoS));
        }
    }

    private async Task TrackAsync(int i, ValueTask publish)
    {
        try
        {
            await publish;
            Volatile.Write(ref _acked[i], 1);
            Interlocked.Increment(ref _completed);
        }
        finally
        {
            _outstanding.Release();
        }
    }

    private Task ConsumeAsync() => _tally.ReadAsync(Subscriber,
        m => m.Topic == Topic ? BinaryPrimitives.ReadInt32BigEndian(m.Payload.Span) : null,
        (m, number, copies) => { if (copies > 1) ExtraCopies.Enqueue(((int)number, m.Dup, Subscriber.Metrics.Connections)); });

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _tally.Stop();
        if (_consuming is not null) await _consuming;
        await Publisher.DisposeAsync();
        await Subscriber.DisposeAsync();
    }
}

using System.Diagnostics.Metrics;

namespace ZeroDepMqtt.Transport;

/// <summary>
/// Counters of one client, through System.Diagnostics.Metrics (meter <c>ZeroDepMqtt.Client</c>: published,
/// acknowledged, reconnects, resent, in-flight, queued) and as plain properties for logs, progress lines and tests.
/// </summary>
public sealed class MqttClientMetrics : IDisposable
{
    private readonly Meter _meter = new("ZeroDepMqtt.Client");
    private readonly Counter<long> _published;
    private readonly Counter<long> _acknowledged;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _dropped;
    private long _publishedCount, _acknowledgedCount, _connects, _flushes, _receivedDropped;
    private readonly MqttClient _client;

    internal MqttClientMetrics(MqttClient client)
    {
        _published = _meter.CreateCounter<long>("mqtt.client.published", "{message}", "Publishes accepted");
        _acknowledged = _meter.CreateCounter<long>("mqtt.client.acknowledged", "{message}", "Publishes that reached their QoS's delivery point");
        _dropped = _meter.CreateCounter<long>("mqtt.client.received_dropped", "{message}", "Received messages dropped because the application did not read them in time");
        _reconnects = _meter.CreateCounter<long>("mqtt.client.reconnects", "{connection}", "Connections accepted after the first");
        _meter.CreateObservableGauge("mqtt.client.in_flight", () => client.InFlightCount, "{message}", "QoS 1/2 publishes awaiting acknowledgement");
        _meter.CreateObservableGauge("mqtt.client.queued", () => client.QueuedCount, "{message}", "Publishes waiting to be sent");
        _meter.CreateObservableGauge("mqtt.client.qos2_window", () => client.QoS2Window, "{message}", "QoS 2 publishes allowed in flight at once (lowered when the broker closes over its limit)");
        _meter.CreateObservableCounter("mqtt.client.resent", () => client.ResentCount, "{packet}", "PUBLISH and PUBREL packets re-sent after a reconnect");
        _client = client;
    }

    /// <summary>Publishes accepted.</summary>
    public long Published => Volatile.Read(ref _publishedCount);

    /// <summary>Publishes completed at their QoS.</summary>
    public long Acknowledged => Volatile.Read(ref _acknowledgedCount);

    /// <summary>PUBLISH and PUBREL packets re-sent after reconnects.</summary>
    public long Resent => _client.ResentCount;

    /// <summary>Connections accepted by CONNACK, the first included.</summary>
    public long Connections => Interlocked.Read(ref _connects);

    /// <summary>Flushes of the connection's write buffer: each is one or a few socket writes.</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    // Published and acknowledged change only under the client's lock, once per message: one writer at a time, so a
    // volatile store (atomic for a long on every platform .NET runs on) is enough, without an interlocked instruction;
    // the meter's counters are touched only while something listens.
    internal void OnPublished()
    {
        Volatile.Write(ref _publishedCount, _publishedCount + 1);
        if (_published.Enabled) _published.Add(1);
    }

    internal void OnAcknowledged()
    {
        Volatile.Write(ref _acknowledgedCount, _acknowledgedCount + 1);
        if (_acknowledged.Enabled) _acknowledged.Add(1);
    }

    internal void OnFlushed() => Interlocked.Increment(ref _flushes);

    /// <summary>Received messages dropped because <see cref="MqttClient.Messages"/> was full (see <see cref="MqttClientOptions.ReceiveBufferCapacity"/>).</summary>
    public long ReceivedDropped => Interlocked.Read(ref _receivedDropped);

    internal void OnReceivedDropped() { Interlocked.Increment(ref _receivedDropped); _dropped.Add(1); }

    internal void OnConnected()
    {
        if (Interlocked.Increment(ref _connects) > 1) _reconnects.Add(1);
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}

using System.Diagnostics;
using MQTTnet;

namespace ZeroDepMqtt.Bench.Throughput.Workers;

/// <summary>
/// One connection publishing QoS 1 at a steady, modest rate (<c>--worker lat-ours|lat-mqttnet</c>; <c>--count</c>
/// messages at <c>--window</c> per second): each message is published when due, paced from a dedicated thread that
/// sleeps in between, and its publish-to-PUBACK time recorded. Prints one LAT line: count, failures, p50 p99 p99.9 in µs.
/// </summary>
internal static class LatencyWorker
{
    public static async Task<string> RunAsync(WorkerArgs a, bool mqttnet)
    {
        var payload = a.Payload();
        ManyConnectionsWorker.IPublisher client = mqttnet
            ? new ManyConnectionsWorker.MqttNetPublisher(new MqttClientFactory(), a.Port, "bench-lat-mqttnet", a.Topic, payload)
            : new ManyConnectionsWorker.OursPublisher(a.Port, "bench-lat-ours", a.Topic, payload);
        await client.ConnectAsync().ConfigureAwait(false);
        var warmup = new LatencyRecorder(a.Warmup);
        Pace(client, warmup, a.Warmup, a.Window);
        await warmup.WaitForAsync(a.Warmup, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var recorder = new LatencyRecorder(a.Count);
        Pace(client, recorder, a.Count, a.Window);
        await recorder.WaitForAsync(a.Count, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await client.DisconnectAsync().ConfigureAwait(false);
        return $"LAT {recorder.Count} {recorder.Failed} {recorder.Percentiles()}";
    }

    private static void Pace(ManyConnectionsWorker.IPublisher client, LatencyRecorder recorder, int count, int perSecond)
    {
        var thread = new Thread(() =>
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                long due = start + (long)((double)i * Stopwatch.Frequency / perSecond);
                while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
                _ = client.TrackPublish(recorder);
            }
        }) { IsBackground = true, Name = "latency pacer" };
        thread.Start();
        thread.Join();
    }
}

using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Publishing;

public static class BrokerLogWait
{
    /// <summary>Waits until the broker's log contains <paramref name="text"/> (Mosquitto writes its log lines as
    /// events happen; polling reads the file again until then or the deadline).</summary>
    public static async Task<string> WaitForLogAsync(this MosquittoBroker broker, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string log = broker.ReadLog();
            if (log.Contains(text, StringComparison.Ordinal)) return log;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the broker log has no \"{text}\" after {timeout.TotalSeconds:0.#} s");
            await Task.Delay(50); // polling interval; the log content decides
        }
    }
}

using Xunit.Abstractions;

namespace ZeroDepMqtt.TestSupport;

/// <summary>Prints the broker's log to the test output when a test fails, so a red test shows what the broker saw.</summary>
public static class BrokerLog
{
    /// <summary>Runs <paramref name="test"/>; if it throws, writes <see cref="MosquittoBroker.LogTail"/> to
    /// <paramref name="output"/> and rethrows.</summary>
    public static async Task OnFailureAsync(this ITestOutputHelper output, MosquittoBroker broker, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            output.WriteLine(broker.LogTail());
            throw;
        }
    }
}

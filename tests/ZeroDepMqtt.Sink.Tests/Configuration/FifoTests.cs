using System.Diagnostics;

namespace ZeroDepMqtt.Sink.Tests.Configuration;

/// <summary>A FIFO as the config file or as a TLS file is an error at once, not a hang (issue 11, item 7).</summary>
public sealed class FifoTests(TestFiles files) : IClassFixture<TestFiles>
{
    private string Fifo(string name)
    {
        string path = files.PathOf(name);
        if (!File.Exists(path))
        {
            using var mkfifo = Process.Start("mkfifo", [path]);
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        return path;
    }

    [Fact]
    public async Task A_fifo_as_the_config_file_is_an_error()
    {
        string path = Fifo("config.fifo");
        // The guard only ends a hang; nothing writes to the FIFO, so opening it the ordinary way would block forever.
        var result = await Task.Run(() => MqttSinkConfig.Load(path)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(result.Errors, e => e.Message.Contains("is not a regular file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_fifo_as_a_tls_file_is_an_error_naming_the_option()
    {
        string fifo = Fifo("ca.fifo");
        string json = $$"""{"server": "ssl://h:8883", "topic": "t", "rootCaPath": "{{fifo}}"}""";
        var result = await Task.Run(() => MqttSinkConfig.Parse(json)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(result.Errors, e => e.Option == "rootCaPath" && e.Message.Contains("is not a regular file", StringComparison.Ordinal));
    }
}

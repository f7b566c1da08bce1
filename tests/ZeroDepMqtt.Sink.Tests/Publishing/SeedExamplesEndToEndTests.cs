using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Sink.Tests.Cli;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Publishing;

/// <summary>
/// The two examples users copy, published by the real zdmqtt process to a local Mosquitto set up the same way as the
/// cloud broker: only <c>server</c> is pointed at it and <c>rootCaPath</c> added (the test CA is not in the system store).
/// </summary>
public sealed class SeedExamplesEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string AzureUser = "xyz.azure-devices.net/demo_001/?api-version=2018-06-30";
    private readonly string _workDir = Directory.CreateTempSubdirectory("zdmqtt-seed-").FullName;

    private static readonly string[] Readings =
    [
        """{"deviceId": "demo_001", "temperature": 21.5, "humidity": 40}""",
        """{"deviceId": "demo_001", "temperature": 21.7, "humidity": 41}""",
        "",
        """{"deviceId": "demo_001", "temperature": 22.0, "humidity": 39}""",
    ];

    /// <summary>Shaped like a real token: URL-encoded resource, signature and a future expiry.</summary>
    private static string SasToken()
    {
        string sig = Uri.EscapeDataString(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        long se = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        return $"SharedAccessSignature sr=xyz.azure-devices.net%2Fdevices%2Fdemo_001&sig={sig}&se={se}";
    }

    [Fact]
    public async Task Azure_iot_hub_example_tls_username_and_sas_password_over_3_1_1()
    {
        string sas = SasToken();
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions
        {
            Tls = MosquittoTls.ServerOnly,
            Users = new Dictionary<string, string> { [AzureUser] = sas, [TestCredentials.UserName] = TestCredentials.Password },
        });
        await output.OnFailureAsync(broker, async () =>
        {
            const string topic = "devices/demo_001/messages/events/";
            await using var sub = await MosquittoSub.StartAsync(broker, topic, qos: 1, withCredentials: true);
            string config = SeedExamples.AzureWrapped
                .Replace("ssl://xyz.azure-devices.net:8883", $"ssl://127.0.0.1:{broker.Port}")
                .Replace("SharedAccessSignature sr=*******************", sas)
                .Replace("\"retained\": false}", $"\"retained\": false, \"rootCaPath\": \"{TestCertificates.Instance.CaPath}\"}}");
            File.WriteAllText(Path.Combine(_workDir, "azure.json"), config);

            var run = await Zdmqtt.ProcessAsync(_workDir, string.Join('\n', Readings) + "\n", "publish", "--config", "azure.json");

            Assert.True(run.Code == 0, run.ToString());
            var received = await sub.WaitForAsync(Readings.Length, TimeSpan.FromSeconds(15));
            Assert.Equal(Readings, received.Select(m => Encoding.UTF8.GetString(m.Payload)));
            Assert.All(received, m => Assert.Equal(topic, m.Topic));
            await broker.WaitForLogAsync($"as demo_001 (p2, c0, k60, u'{AzureUser}')", TimeSpan.FromSeconds(5)); // 3.1.1, clean session off, the user
            Assert.DoesNotContain(sas, run.All);
            Assert.DoesNotContain("sig=", run.All);
        });
    }

    [Fact]
    public async Task Aws_iot_example_client_certificate_from_relative_paths_over_the_default_3_1()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = MosquittoTls.RequireClientCertificate });
        await output.OnFailureAsync(broker, async () =>
        {
            var client = TestCertificates.Instance.Client("rsa-pkcs8");
            Directory.CreateDirectory(Path.Combine(_workDir, "keys"));
            File.Copy(client.CertificatePath, Path.Combine(_workDir, "keys", "d3807d9fa5-certificate.pem"));
            File.Copy(client.KeyPath, Path.Combine(_workDir, "keys", "d3807d9fa5-private.pem.key"));
            File.Copy(TestCertificates.Instance.CaPath, Path.Combine(_workDir, "keys", "root-ca.pem"));
            const string topic = "devices/result";
            await using var sub = await MosquittoSub.StartAsync(broker, topic, qos: 1);
            string config = SeedExamples.AwsWrapped
                .Replace("ssl://xyz-ats.iot.us-east-1.amazonaws.com:8883", $"ssl://127.0.0.1:{broker.Port}")
                .Replace("\"retained\": false}", "\"retained\": false, \"rootCaPath\": \"keys/root-ca.pem\"}");
            File.WriteAllText(Path.Combine(_workDir, "aws.json"), config);

            var run = await Zdmqtt.ProcessAsync(_workDir, string.Join("\r\n", Readings) + "\r\n", "publish", "--config", "aws.json");

            Assert.True(run.Code == 0, run.ToString());
            var received = await sub.WaitForAsync(Readings.Length, TimeSpan.FromSeconds(15));
            Assert.Equal(Readings, received.Select(m => Encoding.UTF8.GetString(m.Payload)));
            await broker.WaitForLogAsync("as demo_001 (p1, c0, k60)", TimeSpan.FromSeconds(5)); // no protocolVersion: 3.1
        });
    }

    [Fact]
    public async Task Aws_example_without_its_key_files_is_a_configuration_error()
    {
        File.WriteAllText(Path.Combine(_workDir, "aws.json"), SeedExamples.AwsWrapped);
        var run = await Zdmqtt.ProcessAsync(_workDir, "x\n", "publish", "--config", "aws.json");
        Assert.Equal(2, run.Code);
        Assert.Contains("error: certificationPath: \"keys/d3807d9fa5-certificate.pem\" not found", run.Err);
    }

    public void Dispose()
    {
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
    }
}

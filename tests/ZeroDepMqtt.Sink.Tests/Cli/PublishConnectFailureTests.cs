using Xunit.Abstractions;
using ZeroDepMqtt.TestSupport;

namespace ZeroDepMqtt.Sink.Tests.Cli;

/// <summary>zdmqtt publish exits 3 when the broker refuses the credentials, and never prints the password.</summary>
[Collection(BrokerCollections.Password)]
public sealed class PublishRefusedTests(PasswordMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    private const string WrongPassword = "Wr0ng-S3cret-7788";

    [Theory]
    [InlineData("3.1")]
    [InlineData("3.1.1")]
    public async Task Refused_credentials_exit_3_with_the_connack_meaning(string version)
    {
        var broker = fixture.Broker;
        await output.OnFailureAsync(broker, async () =>
        {
            string name = $"refused-{version}.json";
            files.Write(name, $$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "t", "qos": 1, "protocolVersion": "{{version}}", "username": "{{TestCredentials.UserName}}", "password": "{{WrongPassword}}"}""");
            var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", files.PathOf(name));

            Assert.True(run.Code == 3, run.ToString());
            Assert.Matches("refused the connection: (not authorized|bad user name or password)", run.Err);
            Assert.Contains("check username and password", run.Err);
            Assert.DoesNotContain(WrongPassword, run.All);
            Assert.DoesNotContain("   at ", run.All);
        });
    }

    [Fact]
    public async Task Right_credentials_publish_and_the_password_is_never_printed()
    {
        var broker = fixture.Broker;
        await output.OnFailureAsync(broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(broker, "pw/ok", qos: 1, withCredentials: true);
            files.Write("right.json", $$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "pw/ok", "qos": 1, "username": "{{TestCredentials.UserName}}", "password": "{{TestCredentials.Password}}"}""");
            var run = await Zdmqtt.InProcessAsync("one\ntwo\n", "publish", "-c", files.PathOf("right.json"), "--progress");

            Assert.True(run.Code == 0, run.ToString());
            Assert.Equal(2, (await sub.WaitForAsync(2, TimeSpan.FromSeconds(10))).Count);
            Assert.DoesNotContain(TestCredentials.Password, run.All);
        });
    }
}

/// <summary>zdmqtt publish over TLS: exit 3 for a server certificate it cannot trust, 0 with the right root CA.</summary>
[Collection(BrokerCollections.Tls)]
public sealed class PublishTlsTests(TlsMosquittoFixture fixture, TestFiles files, ITestOutputHelper output) : IClassFixture<TestFiles>
{
    [Fact]
    public async Task Untrusted_server_certificate_exits_3()
    {
        var broker = fixture.Broker;
        await output.OnFailureAsync(broker, async () =>
        {
            files.Write("untrusted.json", $$"""{"server": "ssl://127.0.0.1:{{broker.Port}}", "topic": "t", "qos": 1}""");
            var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", files.PathOf("untrusted.json"));

            Assert.True(run.Code == 3, run.ToString());
            Assert.Contains($"TLS connection to ssl://127.0.0.1:{broker.Port} failed", run.Err);
            Assert.Contains("not trusted", run.Err);
        });
    }

    [Fact]
    public async Task Plain_tcp_to_the_tls_port_exits_3_at_once_with_a_hint()
    {
        var broker = fixture.Broker;
        await output.OnFailureAsync(broker, async () =>
        {
            files.Write("plain-to-tls.json", $$"""{"server": "tcp://127.0.0.1:{{broker.Port}}", "topic": "t", "qos": 1}""");
            // The default give-up time (30 s) is not waited for: three resets right after CONNECT end the start.
            var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", files.PathOf("plain-to-tls.json"), "--give-up-after", "600");

            Assert.True(run.Code == 3, run.ToString());
            Assert.Contains($"is this a TLS port? use ssl://127.0.0.1:{broker.Port}", run.Err);
        });
    }

    [Fact]
    public async Task Another_ca_as_root_exits_3()
    {
        var broker = fixture.Broker;
        files.Write("other-ca.json", $$"""{"server": "ssl://127.0.0.1:{{broker.Port}}", "topic": "t", "rootCaPath": "{{TestCertificates.Instance.OtherCaPath}}"}""");
        var run = await Zdmqtt.InProcessAsync("x\n", "publish", "-c", files.PathOf("other-ca.json"));
        Assert.True(run.Code == 3, run.ToString());
        Assert.Contains("not trusted", run.Err);
    }

    [Fact]
    public async Task Trusted_root_ca_publishes()
    {
        var broker = fixture.Broker;
        await output.OnFailureAsync(broker, async () =>
        {
            await using var sub = await MosquittoSub.StartAsync(broker, "tls/ok", qos: 1);
            files.Write("trusted.json", $$"""{"server": "ssl://127.0.0.1:{{broker.Port}}", "topic": "tls/ok", "qos": 1, "rootCaPath": "{{TestCertificates.Instance.CaPath}}"}""");
            var run = await Zdmqtt.InProcessAsync("secure\n", "publish", "-c", files.PathOf("trusted.json"));

            Assert.True(run.Code == 0, run.ToString());
            Assert.Equal("secure"u8.ToArray(), (await sub.WaitForAsync(1, TimeSpan.FromSeconds(10)))[0].Payload);
        });
    }
}

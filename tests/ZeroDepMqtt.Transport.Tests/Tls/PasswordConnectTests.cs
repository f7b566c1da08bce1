using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests.Tls;

/// <summary>A Mosquitto with a password file and <c>allow_anonymous false</c>: what CONNACK says for each case.</summary>
[Collection(BrokerCollections.Password)]
public sealed class PasswordConnectTests(PasswordMosquittoFixture fixture, ITestOutputHelper output)
{
    private MosquittoBroker Broker => fixture.Broker;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V310)]
    public Task Right_credentials_are_accepted(MqttProtocolVersion version) => output.OnFailureAsync(Broker, async () =>
    {
        var answer = await ConnectAsync(version, TestCredentials.UserName, TestCredentials.Password);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, (byte)ConnectReturnCode.Accepted }, answer);
    });

    // Mosquitto 2.0.11 answers a wrong password with 5 (not authorized), not 4 (bad user name or password), in 3.1.1
    // and 3.1 alike; the same for an unknown user and for no credentials with allow_anonymous false.
    [Theory]
    [InlineData(MqttProtocolVersion.V311, TestCredentials.UserName, "wrong-password")]
    [InlineData(MqttProtocolVersion.V310, TestCredentials.UserName, "wrong-password")]
    [InlineData(MqttProtocolVersion.V311, "nobody", "whatever")]
    [InlineData(MqttProtocolVersion.V311, null, null)]
    [Trait("spec", "MQTT-3.2.2-5")]
    public Task Refused_credentials_get_return_code_5(MqttProtocolVersion version, string? user, string? password) => output.OnFailureAsync(Broker, async () =>
    {
        var answer = await ConnectAsync(version, user, password);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, (byte)ConnectReturnCode.NotAuthorized }, answer);
    });

    private async Task<byte[]> ConnectAsync(MqttProtocolVersion version, string? user, string? password)
    {
        await using var tcp = await RawMqtt.OpenTcpAsync(Broker);
        var connect = new Protocol.Packets.Connect(version, "pw-" + Guid.NewGuid().ToString("N")[..8])
        {
            UserName = user,
            Password = password is null ? (byte[]?)null : Encoding.UTF8.GetBytes(password),
        };
        return await RawMqtt.ConnectAsync(tcp, connect);
    }
}

/// <summary>TLS plus user name and password on one broker started by the test itself (the Azure IoT Hub shape).</summary>
public sealed class TlsWithPasswordTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TLS_broker_with_password_file_accepts_the_right_password_only()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = MosquittoTls.ServerOnly, Users = TestCredentials.Users });
        await output.OnFailureAsync(broker, async () =>
        {
            using var connector = new TlsConnector(new TlsOptions { RootCaPath = TestCertificates.Instance.CaPath });
            Assert.Equal(0, await ConnectAsync(TestCredentials.Password));
            Assert.Equal(5, await ConnectAsync("wrong"));

            async Task<byte> ConnectAsync(string password)
            {
                await using var ssl = await connector.AuthenticateAsync(await RawMqtt.OpenTcpAsync(broker), "localhost");
                var answer = await RawMqtt.ConnectAsync(ssl, RawMqtt.V311("azure-shape") with
                {
                    UserName = TestCredentials.UserName,
                    Password = Encoding.UTF8.GetBytes(password),
                });
                Assert.Equal(new byte[] { 0x20, 0x02, 0x00 }, answer[..3]);
                return answer[3];
            }
        });
    }
}

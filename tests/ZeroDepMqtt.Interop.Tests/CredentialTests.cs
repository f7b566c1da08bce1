using System.Text;
using Xunit.Abstractions;
using ZeroDepMqtt.Interop.Tests.Brokers;
using ZeroDepMqtt.Interop.Tests.Support;
using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Transport;

namespace ZeroDepMqtt.Interop.Tests;

/// <summary>User name and password through <see cref="MqttClientOptions.PasswordProvider"/>: the right password is
/// accepted, a wrong one refused at once with the broker's own CONNACK code.</summary>
[Collection(InteropCollections.Password)]
public sealed class CredentialTests(PasswordBrokersFixture brokers, ITestOutputHelper output)
{
    /// <summary>What each broker answers a wrong password with, in 3.1 and 3.1.1 alike:
    /// Mosquitto 2.0.11 says 5 (not authorized) for any failed login; aedes says 5 when its authenticate hook
    /// refuses without an error carrying a returnCode (our script's hook); MQTTnet sends the code the validating
    /// handler sets, here BadUserNameOrPassword, which it maps to 4.</summary>
    private static ConnectReturnCode WrongPasswordCode(BrokerKind kind) => kind switch
    {
        BrokerKind.Mosquitto => ConnectReturnCode.NotAuthorized,
        BrokerKind.Aedes => ConnectReturnCode.NotAuthorized,
        BrokerKind.MqttNet => ConnectReturnCode.BadUserNameOrPassword,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.BrokersAndVersions), MemberType = typeof(BrokerFactory))]
    public async Task Right_password_is_accepted(BrokerKind kind, MqttProtocolVersion version)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            int calls = 0;
            await using var client = await InteropClients.ConnectAsync(WithPassword(broker, version, BrokerCredentials.Test.Password, () => calls++));
            Assert.True(client.IsConnected);
            Assert.Equal(1, calls);
        });
    }

    [BrokerTheory]
    [MemberData(nameof(BrokerFactory.BrokersAndVersions), MemberType = typeof(BrokerFactory))]
    [Trait("spec", "MQTT-3.2.2-5")]
    public async Task Wrong_password_is_refused_with_the_brokers_code(BrokerKind kind, MqttProtocolVersion version)
    {
        var broker = await brokers.GetAsync(kind);
        await output.OnFailureAsync(broker, async () =>
        {
            int calls = 0;
            await using var client = new MqttClient(WithPassword(broker, version, "wrong-password", () => calls++));
            using var timeout = new CancellationTokenSource(InteropClients.Deadline);
            var refused = await Assert.ThrowsAsync<MqttConnectionRefusedException>(async () => await client.ConnectAsync(timeout.Token));
            Assert.Equal(WrongPasswordCode(kind), refused.ReturnCode);
            Assert.Equal(MqttCloseReason.Refused, client.LastCloseReason);
            Assert.DoesNotContain("wrong-password", refused.Message);
            Assert.Equal(1, calls); // a refused login on the first connection is not retried
        });
    }

    private static MqttClientOptions WithPassword(IBrokerUnderTest broker, MqttProtocolVersion version, string password, Action onCall)
        => InteropClients.Options(broker, "cred", version) with
        {
            UserName = BrokerCredentials.Test.UserName,
            PasswordProvider = _ =>
            {
                onCall();
                return ValueTask.FromResult<byte[]?>(Encoding.UTF8.GetBytes(password));
            },
        };
}

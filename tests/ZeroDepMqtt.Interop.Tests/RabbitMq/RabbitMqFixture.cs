using ZeroDepMqtt.Interop.Tests.Brokers;

namespace ZeroDepMqtt.Interop.Tests.RabbitMq;

/// <summary>One RabbitMQ node for the whole single-node collection: it takes half a minute or more to start here.</summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    /// <summary>The node (anonymous MQTT allowed).</summary>
    public RabbitMqNode Node { get; } = new();

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        if (!AedesInstall.InCi && RabbitMqNode.MissingReason is not null) return;   // the tests are skipped and say why
        await Node.StartAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>Collection of the single-node RabbitMQ tests.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "rabbitmq single node";
}

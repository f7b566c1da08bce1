using ZeroDepMqtt.Interop.Tests.Brokers;

namespace ZeroDepMqtt.Interop.Tests.Support;

/// <summary>One running broker of each kind, shared by a collection and started on first use (so a skipped broker is
/// never started). Subclasses choose whether the brokers require credentials.</summary>
public abstract class BrokersFixture : IAsyncLifetime
{
    private readonly Dictionary<BrokerKind, Task<IBrokerUnderTest>> _brokers = [];
    private readonly object _gate = new();

    /// <summary>The user the brokers accept, or null for anonymous brokers.</summary>
    protected abstract BrokerCredentials? Credentials { get; }

    /// <summary>The running broker of that kind.</summary>
    public Task<IBrokerUnderTest> GetAsync(BrokerKind kind)
    {
        lock (_gate)
        {
            if (!_brokers.TryGetValue(kind, out var broker) || broker.IsFaulted)
                _brokers[kind] = broker = BrokerFactory.StartAsync(kind, Credentials);
            return broker;
        }
    }

    /// <inheritdoc/>
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Task<IBrokerUnderTest>[] started;
        lock (_gate) started = [.. _brokers.Values];
        foreach (var task in started)
        {
            if (task.IsCompletedSuccessfully) await task.Result.DisposeAsync();
        }
    }
}

/// <summary>Brokers that accept anonymous clients.</summary>
public sealed class AnonymousBrokersFixture : BrokersFixture
{
    /// <inheritdoc/>
    protected override BrokerCredentials? Credentials => null;
}

/// <summary>Brokers that accept <see cref="BrokerCredentials.Test"/> only.</summary>
public sealed class PasswordBrokersFixture : BrokersFixture
{
    /// <inheritdoc/>
    protected override BrokerCredentials? Credentials => BrokerCredentials.Test;
}

/// <summary>Collection names.</summary>
public static class InteropCollections
{
    /// <summary>Tests sharing an <see cref="AnonymousBrokersFixture"/>.</summary>
    public const string Anonymous = "interop anonymous brokers";

    /// <summary>Tests sharing a <see cref="PasswordBrokersFixture"/>.</summary>
    public const string Password = "interop password brokers";
}

/// <summary>xunit collection of <see cref="InteropCollections.Anonymous"/>.</summary>
[CollectionDefinition(InteropCollections.Anonymous)]
public sealed class AnonymousBrokersCollection : ICollectionFixture<AnonymousBrokersFixture>;

/// <summary>xunit collection of <see cref="InteropCollections.Password"/>.</summary>
[CollectionDefinition(InteropCollections.Password)]
public sealed class PasswordBrokersCollection : ICollectionFixture<PasswordBrokersFixture>;

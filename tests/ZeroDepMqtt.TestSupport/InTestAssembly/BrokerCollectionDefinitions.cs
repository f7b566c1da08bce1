using ZeroDepMqtt.TestSupport;

// Compiled into each test assembly (not into ZeroDepMqtt.TestSupport): xunit looks for collection definitions only there.
namespace ZeroDepMqtt.Tests.Collections;

/// <summary>xunit collection of <see cref="BrokerCollections.Plain"/>.</summary>
[CollectionDefinition(BrokerCollections.Plain)]
public sealed class PlainBrokerCollection : ICollectionFixture<PlainMosquittoFixture>;

/// <summary>xunit collection of <see cref="BrokerCollections.Password"/>.</summary>
[CollectionDefinition(BrokerCollections.Password)]
public sealed class PasswordBrokerCollection : ICollectionFixture<PasswordMosquittoFixture>;

/// <summary>xunit collection of <see cref="BrokerCollections.Tls"/>.</summary>
[CollectionDefinition(BrokerCollections.Tls)]
public sealed class TlsBrokerCollection : ICollectionFixture<TlsMosquittoFixture>;

/// <summary>xunit collection of <see cref="BrokerCollections.ClientCertificate"/>.</summary>
[CollectionDefinition(BrokerCollections.ClientCertificate)]
public sealed class ClientCertificateBrokerCollection : ICollectionFixture<ClientCertificateMosquittoFixture>;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>A fact that needs Node.js for aedes: skipped with the reason when node is missing outside CI (in CI the
/// fixture fails instead, naming what is missing).</summary>
public sealed class AedesFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="AedesInstall.SkipReason"/>.</summary>
    public AedesFactAttribute() => Skip = AedesInstall.SkipReason;
}

/// <summary>A theory that needs Node.js for aedes; see <see cref="AedesFactAttribute"/>.</summary>
public sealed class AedesTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="AedesInstall.SkipReason"/>.</summary>
    public AedesTheoryAttribute() => Skip = AedesInstall.SkipReason;
}

/// <summary>A fact that needs Debian's rabbitmq-server: skipped with the reason when it is missing outside CI (in CI
/// the fixture fails instead).</summary>
public sealed class RabbitMqFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when rabbitmq-server is missing and CI is not set.</summary>
    public RabbitMqFactAttribute() => Skip = AedesInstall.InCi ? null : RabbitMqNode.MissingReason;
}

/// <summary>A theory that needs Debian's rabbitmq-server; see <see cref="RabbitMqFactAttribute"/>.</summary>
public sealed class RabbitMqTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when rabbitmq-server is missing and CI is not set.</summary>
    public RabbitMqTheoryAttribute() => Skip = AedesInstall.InCi ? null : RabbitMqNode.MissingReason;
}

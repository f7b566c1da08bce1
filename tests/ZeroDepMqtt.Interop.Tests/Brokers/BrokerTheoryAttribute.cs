using Xunit.Abstractions;
using Xunit.Sdk;
using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>
/// A theory whose rows name a <see cref="BrokerKind"/>. Rows a broker cannot run are reported as skipped, with the
/// reason, at discovery: MQTT 3.1 on a broker without it, and aedes on a machine without Node.js (outside CI).
/// </summary>
[XunitTestCaseDiscoverer("ZeroDepMqtt.Interop.Tests.Brokers.BrokerTheoryDiscoverer", "ZeroDepMqtt.Interop.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class BrokerTheoryAttribute : TheoryAttribute;

/// <summary>Turns unsupported rows of a <see cref="BrokerTheoryAttribute"/> into skipped test cases.</summary>
public sealed class BrokerTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc/>
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions,
        ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow)
        => (QuirkReason(testMethod, dataRow) ?? SkipReason(dataRow)) is { } reason
            ? CreateTestCasesForSkippedDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow, reason)
            : base.CreateTestCasesForDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow);

    private static string? QuirkReason(ITestMethod testMethod, object[] dataRow)
    {
        var kinds = dataRow.OfType<BrokerKind>().ToArray();
        if (kinds.Length == 0) return null;
        foreach (var skip in testMethod.Method.GetCustomAttributes(typeof(SkipOnAttribute)))
        {
            var args = skip.GetConstructorArguments().ToArray();
            if ((BrokerKind)args[0] == kinds[0]) return (string)args[1];
        }
        return null;
    }

    /// <summary>Why a row cannot run here, or null.</summary>
    public static string? SkipReason(object[] dataRow)
    {
        var kinds = dataRow.OfType<BrokerKind>().ToArray();
        if (kinds.Length == 0) return null;
        var kind = kinds[0];
        if (kind == BrokerKind.Aedes && AedesInstall.SkipReason is { } noNode) return noNode;
        if (dataRow.OfType<MqttProtocolVersion>().Contains(MqttProtocolVersion.V310) && !BrokerFactory.SupportsV310(kind))
            return $"{BrokerFactory.Create(kind).Name} does not accept MQTT 3.1 (protocol name MQIsdp, level 3)";
        return null;
    }
}

/// <summary>Skips the rows of one broker in a <see cref="BrokerTheoryAttribute"/>, with the reason: for behaviour the
/// broker does not have, checked in its source or docs (say where in the reason).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class SkipOnAttribute(BrokerKind broker, string reason) : Attribute
{
    /// <summary>The broker whose rows are skipped.</summary>
    public BrokerKind Broker { get; } = broker;

    /// <summary>Why.</summary>
    public string Reason { get; } = reason;
}

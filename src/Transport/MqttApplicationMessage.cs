using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Transport;

/// <summary>A message received for a subscription. The payload is the client's own copy.</summary>
public readonly record struct MqttApplicationMessage(string Topic, ReadOnlyMemory<byte> Payload, QualityOfService QoS, bool Retain, bool Dup);

using ZeroDepMqtt.Protocol;

namespace ZeroDepMqtt.Transport;

/// <summary>One message of a <see cref="MqttClient.PublishManyAsync(ReadOnlyMemory{MqttOutgoingMessage}, QualityOfService, bool, CancellationToken)"/>
/// batch whose messages each carry their own topic.</summary>
/// <param name="Topic">The message's topic name.</param>
/// <param name="Payload">The message's payload; it must stay unchanged until the batch's task ends.</param>
public readonly record struct MqttOutgoingMessage(TopicName Topic, ReadOnlyMemory<byte> Payload);

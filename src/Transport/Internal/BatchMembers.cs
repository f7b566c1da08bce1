using ZeroDepMqtt.Protocol;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Transport.Internal;

/// <summary>The messages of one <c>PublishManyAsync</c> call, as the batch code reads them: one topic for all, or
/// each its own. A generic constraint on a ref struct, so each kind gets its own compiled loop and the single-topic
/// path reads its span directly, as it did before there were two kinds.</summary>
internal interface IBatchMembers
{
    int Count { get; }

    TopicName TopicAt(int i);

    ReadOnlyMemory<byte> PayloadAt(int i);

    /// <summary>Checks every message against the session's rules (a bad one throws before any is taken) and returns the payload bytes in all.</summary>
    long Check(ClientSession session, QualityOfService qos);

    /// <summary>Rents a batch started on these messages (it keeps the caller's memory while members wait).</summary>
    PublishBatch Rent(PublishBatchPool pool, QualityOfService qos, bool retain, int alreadyDone);
}

/// <summary>Every message to one topic.</summary>
internal readonly ref struct OneTopicMembers(TopicName topic, ReadOnlyMemory<ReadOnlyMemory<byte>> payloads) : IBatchMembers
{
    private readonly ReadOnlySpan<ReadOnlyMemory<byte>> _payloads = payloads.Span;
    private readonly TopicName _topic = topic;
    private readonly ReadOnlyMemory<ReadOnlyMemory<byte>> _memory = payloads;

    public int Count => _payloads.Length;

    public TopicName TopicAt(int i) => _topic;

    public ReadOnlyMemory<byte> PayloadAt(int i) => _payloads[i];

    public long Check(ClientSession session, QualityOfService qos)
    {
        int largest = 0;
        long bytes = 0;
        foreach (var p in _payloads)
        {
            largest = Math.Max(largest, p.Length);
            bytes += p.Length;
        }
        session.CheckPublish(_topic, largest, qos);   // one topic: the largest payload decides
        return bytes;
    }

    public PublishBatch Rent(PublishBatchPool pool, QualityOfService qos, bool retain, int alreadyDone)
        => pool.Rent(_topic, _memory, default, qos, retain, alreadyDone);
}

/// <summary>Each message to its own topic.</summary>
internal readonly ref struct OwnTopicMembers(ReadOnlyMemory<MqttOutgoingMessage> messages) : IBatchMembers
{
    private readonly ReadOnlySpan<MqttOutgoingMessage> _messages = messages.Span;
    private readonly ReadOnlyMemory<MqttOutgoingMessage> _memory = messages;

    public int Count => _messages.Length;

    public TopicName TopicAt(int i) => _messages[i].Topic;

    public ReadOnlyMemory<byte> PayloadAt(int i) => _messages[i].Payload;

    public long Check(ClientSession session, QualityOfService qos)
    {
        long bytes = 0;
        foreach (ref readonly var m in _messages)
        {
            session.CheckPublish(m.Topic, m.Payload.Length, qos);
            bytes += m.Payload.Length;
        }
        return bytes;
    }

    public PublishBatch Rent(PublishBatchPool pool, QualityOfService qos, bool retain, int alreadyDone)
        => pool.Rent(default, default, _memory, qos, retain, alreadyDone);
}

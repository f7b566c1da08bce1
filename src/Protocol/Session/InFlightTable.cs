namespace ZeroDepMqtt.Protocol.Session;

/// <summary>
/// The QoS 1/2 publishes awaiting their final ack, by packet id: an array indexed by the id's low bits, in place of a
/// hash map. Every PUBACK, PUBREC and PUBCOMP looks an id up here on the read loop, so the common lookup is one masked
/// index and one compare, with no hashing.
/// </summary>
/// <remarks>
/// Ids are handed out in order, so the live ids of a window are mostly consecutive and land in distinct slots while
/// the table is at least twice the number held (it doubles when it gets half full, up to 65,536 slots, where every id
/// has a slot of its own). A live id whose slot is taken by an older one (a message held long while many others
/// came and went) goes to a small overflow map instead, so every id not in use stays available (MQTT-2.3.1-2 only
/// forbids ids in use). The table starts at 32 slots: an idle connection, or one that publishes at QoS 0, holds
/// little.
/// </remarks>
internal sealed class InFlightTable
{
    private const int MinSize = 32;
    private const int MaxSize = 65_536;

    private OutgoingMessage?[] _slots = new OutgoingMessage?[MinSize];
    private int _mask = MinSize - 1;
    private Dictionary<ushort, OutgoingMessage>? _overflow;

    /// <summary>Messages held.</summary>
    public int Count { get; private set; }

    /// <summary>The message in flight with <paramref name="id"/>, or null.</summary>
    public OutgoingMessage? Find(ushort id)
    {
        var m = _slots[id & _mask];
        if (m is not null && m.PacketId == id) return m;
        return _overflow is { Count: > 0 } && _overflow.TryGetValue(id, out var o) ? o : null;
    }

    /// <summary>True when <paramref name="id"/> is in flight.</summary>
    public bool Contains(ushort id) => Find(id) is not null;

    /// <summary>Adds <paramref name="m"/> under its <see cref="OutgoingMessage.PacketId"/>, which must not be in flight.</summary>
    public void Add(OutgoingMessage m)
    {
        ref var slot = ref _slots[m.PacketId & _mask];
        if (slot is null) slot = m;
        else (_overflow ??= new Dictionary<ushort, OutgoingMessage>()).Add(m.PacketId, m);
        Count++;
        if (Count * 2 > _slots.Length && _slots.Length < MaxSize) Grow();
    }

    /// <summary>Removes the message with <paramref name="id"/>; false when none is in flight.</summary>
    public bool Remove(ushort id)
    {
        ref var slot = ref _slots[id & _mask];
        if (slot is not null && slot.PacketId == id) slot = null;
        else if (_overflow is not { Count: > 0 } || !_overflow.Remove(id)) return false;
        Count--;
        return true;
    }

    /// <summary>Removes everything; keeps the size.</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        _overflow?.Clear();
        Count = 0;
    }

    // Ids that differ in their low k bits differ in their low k + 1 bits, so slotted messages keep slots of their own;
    // overflowed ones move into the array where their new slot is free.
    private void Grow()
    {
        var bigger = new OutgoingMessage?[_slots.Length * 2];
        int mask = bigger.Length - 1;
        foreach (var m in _slots)
            if (m is not null) bigger[m.PacketId & mask] = m;
        (_slots, _mask) = (bigger, mask);
        if (_overflow is not { Count: > 0 }) return;
        foreach (var (id, m) in _overflow.ToArray())
        {
            if (bigger[id & mask] is not null) continue;
            bigger[id & mask] = m;
            _overflow.Remove(id);
        }
    }
}

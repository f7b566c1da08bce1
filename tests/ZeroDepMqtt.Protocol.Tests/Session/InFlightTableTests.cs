using FsCheck.Xunit;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Protocol.Tests.Session;

public class InFlightTableTests
{
    /// <summary>
    /// Any sequence of adds (of ids not held) and removes gives the same answers as a dictionary: the slot array, its
    /// growth and the overflow for ids sharing a slot never lose, duplicate or confuse an id. Ids are drawn from a
    /// narrow and a wide range so that both collisions in a small table and growth happen.
    /// </summary>
    [Property(MaxTest = 300, EndSize = 400)]
    public void Behaves_like_a_dictionary_of_ids(int[] ops)
    {
        var table = new InFlightTable();
        var model = new Dictionary<ushort, OutgoingMessage>();
        foreach (int op in ops)
        {
            ushort id = (ushort)(op % 2 == 0 ? 1 + (uint)op % 200 * 32 : 1 + (uint)op % 65_535);
            if (model.TryGetValue(id, out var held))
            {
                Assert.Same(held, table.Find(id));
                Assert.True(table.Remove(id));
                model.Remove(id);
            }
            else
            {
                Assert.Null(table.Find(id));
                Assert.False(table.Remove(id));
                var m = new OutgoingMessage { PacketId = id };
                table.Add(m);
                model.Add(id, m);
            }
            Assert.Equal(model.Count, table.Count);
        }
        foreach (var (id, m) in model) Assert.Same(m, table.Find(id));
    }

    [Fact]
    public void An_id_whose_slot_is_taken_by_an_older_one_is_still_held_and_found()
    {
        var table = new InFlightTable();
        var old = new OutgoingMessage { PacketId = 1 };
        var same = new OutgoingMessage { PacketId = 33 };   // same slot as 1 in the initial 32
        table.Add(old);
        table.Add(same);
        Assert.Same(old, table.Find(1));
        Assert.Same(same, table.Find(33));
        Assert.True(table.Remove(1));
        Assert.Null(table.Find(1));
        Assert.Same(same, table.Find(33));
        Assert.Equal(1, table.Count);
    }
}

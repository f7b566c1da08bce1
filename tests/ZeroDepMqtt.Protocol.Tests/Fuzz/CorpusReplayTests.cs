using ZeroDepMqtt.Fuzz.Harness;

namespace ZeroDepMqtt.Protocol.Tests.Fuzz;

/// <summary>
/// Runs the fuzz harnesses in-process (no afl-fuzz) over every file of fuzz/corpus, so the seeds stay valid inputs
/// that pass every oracle, and checks that the committed seeds are what <c>--make-corpus</c> generates.
/// </summary>
public class CorpusReplayTests
{
    public static TheoryData<string, string> CorpusFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var harness in Harnesses.ByName.Keys)
            foreach (var file in Directory.GetFiles(Path.Combine(CorpusRoot, harness)).Order())
                data.Add(harness, Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Corpus_file_passes_its_harness(string harness, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(CorpusRoot, harness, file));
        Harnesses.ByName[harness](input);
    }

    [Fact]
    public void Committed_seeds_match_the_generator()
    {
        foreach (var (harness, seeds) in new[] { ("decoder", SeedCorpus.Decoder()), ("session", SeedCorpus.Session()) })
        {
            foreach (var (name, bytes) in seeds)
            {
                var path = Path.Combine(CorpusRoot, harness, name + ".bin");
                Assert.True(File.Exists(path), $"{path} is missing: run the harness with --make-corpus fuzz/corpus");
                Assert.Equal(bytes, File.ReadAllBytes(path));
            }
        }
    }

    [Fact]
    public void Corpus_has_every_packet_type_for_both_versions()
    {
        var types = new HashSet<PacketType>();
        foreach (var (_, bytes) in SeedCorpus.Decoder())
        {
            var buffer = new System.Buffers.ReadOnlySequence<byte>(bytes);
            while (MqttFrameReader.TryRead(ref buffer, MqttFrameReader.DefaultMaxPacketSize, out var frame)) types.Add(frame.Type);
        }
        Assert.Equal(Enum.GetValues<PacketType>().Where(t => (int)t is > 0 and < 15).Order(), types.Order());
        var names = SeedCorpus.Decoder().Select(s => s.Name).ToList();
        Assert.Contains("connect-31-min", names);
        Assert.Contains("connect-311-min", names);
    }

    private static string CorpusRoot { get; } = FindCorpus();

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var corpus = Path.Combine(dir.FullName, "fuzz", "corpus");
            if (File.Exists(Path.Combine(dir.FullName, "ZeroDepMqtt.sln")) && Directory.Exists(corpus)) return corpus;
        }
        throw new DirectoryNotFoundException("fuzz/corpus not found above " + AppContext.BaseDirectory);
    }
}

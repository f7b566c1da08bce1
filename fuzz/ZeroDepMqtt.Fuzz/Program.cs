using SharpFuzz;
using ZeroDepMqtt.Fuzz.Harness;

namespace ZeroDepMqtt.Fuzz;

/// <summary>
/// <c>ZeroDepMqtt.Fuzz decoder|session</c> under afl-fuzz (see fuzz/run.sh);
/// <c>--replay PATH...</c> runs files or folders in-process; <c>--make-corpus DIR</c> writes the seed corpus.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["--make-corpus", var dir])
        {
            SeedCorpus.Write(dir);
            return 0;
        }
        if (args.Length == 0 || !Harnesses.ByName.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine("usage: ZeroDepMqtt.Fuzz decoder|session [--replay PATH...]  |  ZeroDepMqtt.Fuzz --make-corpus DIR");
            return 2;
        }
        if (args is [_, "--replay", ..])
            return Replay(target, args[2..]);

        // Persistent mode: one process runs many inputs; an escaping exception is the crash afl-fuzz records.
        var buffer = new MemoryStream();
        Fuzzer.Run(stream =>
        {
            buffer.SetLength(0);
            stream.CopyTo(buffer);
            target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    }

    private static int Replay(Harnesses.Target target, string[] paths)
    {
        int failed = 0, ran = 0;
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order() : (IEnumerable<string>)[p]);
        foreach (var file in files)
        {
            ran++;
            try
            {
                target(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"FAIL {file}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }
        Console.WriteLine($"{ran - failed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}

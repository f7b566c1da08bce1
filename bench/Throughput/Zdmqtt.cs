using System.Diagnostics;

namespace ZeroDepMqtt.Bench.Throughput;

/// <summary>Finds the zdmqtt to run: the Native AOT publish output when present, else the Release build.</summary>
internal static class Zdmqtt
{
    public sealed record Located(string Path, string Kind);

    public static Located? Find(string? explicitPath, out string why)
    {
        var candidates = new List<(string, string)>();
        if (explicitPath is not null) candidates.Add((explicitPath, "given"));
        if (RepoRoot() is { } root)
        {
            var bin = System.IO.Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0");
            candidates.Add((System.IO.Path.Combine(bin, "linux-x64", "publish", "zdmqtt"), "AOT"));
            candidates.Add((System.IO.Path.Combine(bin, "zdmqtt"), "JIT"));
        }
        foreach (var (path, kind) in candidates)
        {
            if (!File.Exists(path)) continue;
            // `zdmqtt publish --help` exits 0 only when the verb exists (an unknown verb is a usage error).
            using var p = Process.Start(new ProcessStartInfo(path, ["publish", "--help"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0) { why = ""; return new Located(path, kind == "AOT" || IsNative(path) ? "AOT" : "JIT"); }
            why = "zdmqtt publish not built";
            return null;
        }
        why = "zdmqtt publish not built";
        return null;
    }

    // An AOT binary has no managed zdmqtt.dll beside it.
    private static bool IsNative(string path) => !File.Exists(System.IO.Path.ChangeExtension(path, ".dll"));

    public static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ZeroDepMqtt.sln"))) return dir.FullName;
        return null;
    }
}

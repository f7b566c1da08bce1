using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace ZeroDepMqtt.Interop.Tests.Brokers;

/// <summary>
/// Finds Node.js and makes sure <c>aedes/node_modules</c> holds the pinned aedes (<c>npm ci</c> from the committed
/// package-lock.json, once per test run, only when it is missing or another version).
/// </summary>
internal static class AedesInstall
{
    /// <summary>The aedes version package.json pins.</summary>
    public const string Version = "1.2.0";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _installed;

    /// <summary>The folder with aedes-broker.js, package.json and package-lock.json (the project's source folder).</summary>
    public static string Directory { get; } = typeof(AedesInstall).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "AedesDirectory").Value!;

    /// <summary>The broker script.</summary>
    public static string Script => Path.Combine(Directory, "aedes-broker.js");

    /// <summary>Whether CI runs the tests (CI=true): there a missing Node.js fails the aedes cases instead of skipping them.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path of an executable on PATH, or null.</summary>
    public static string? FindOnPath(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);

    /// <summary>Why the aedes cases are skipped on this machine, or null to run them. Outside CI only: in CI a missing
    /// Node.js is a failure, reported by <see cref="EnsureAsync"/>.</summary>
    public static string? SkipReason => !InCi && FindOnPath("node") is null
        ? "Node.js (node) is not on PATH; install Node.js 20+ and npm to run the aedes cases (CI=true makes this a failure)"
        : null;

    /// <summary>Returns the path of <c>node</c> once aedes is installed; throws with the npm output when it cannot be.</summary>
    public static async Task<string> EnsureAsync(CancellationToken cancellationToken)
    {
        string node = FindOnPath("node") ?? throw new InvalidOperationException(
            "aedes needs Node.js 20+ and npm on PATH (apt-get install nodejs npm, or NodeSource); node was not found");
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_installed || (InstalledVersion() == Version && WsInstalled())) return node;
            string npm = FindOnPath("npm") ?? throw new InvalidOperationException(
                $"aedes is not installed in {Directory}/node_modules and npm is not on PATH to install it");
            var info = new ProcessStartInfo(npm) { WorkingDirectory = Directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" }) info.ArgumentList.Add(arg);
            using var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null for npm");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0 || InstalledVersion() != Version || !WsInstalled())
                throw new InvalidOperationException($"`npm ci` in {Directory} failed (exit {process.ExitCode}); the aedes cases need the npm registry once.\n{await stdout}\n{await stderr}");
            _installed = true;
            return node;
        }
        finally
        {
            Gate.Release();
        }
    }

    // The ws package carries aedes' WebSocket listener (AEDES_WS_PATH).
    private static bool WsInstalled() => File.Exists(Path.Combine(Directory, "node_modules", "ws", "package.json"));

    private static string? InstalledVersion()
    {
        string manifest = Path.Combine(Directory, "node_modules", "aedes", "package.json");
        if (!File.Exists(manifest)) return null;
        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.TryGetProperty("version", out var v) ? v.GetString() : null;
    }
}

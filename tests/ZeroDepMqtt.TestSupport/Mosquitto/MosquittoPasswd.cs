using System.Diagnostics;

namespace ZeroDepMqtt.TestSupport;

/// <summary>Creates Mosquitto password files with <c>mosquitto_passwd -b</c> (package mosquitto).</summary>
internal static class MosquittoPasswd
{
    public const string Executable = "/usr/bin/mosquitto_passwd";

    public static async Task CreateAsync(string path, IReadOnlyDictionary<string, string> users, CancellationToken cancellationToken)
    {
        bool first = true;
        foreach (var (user, password) in users)
        {
            var info = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            info.ArgumentList.Add("-b");
            if (first) info.ArgumentList.Add("-c");
            info.ArgumentList.Add(path);
            info.ArgumentList.Add(user);
            info.ArgumentList.Add(password);
            using var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
            string error = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            // The message is mosquitto_passwd's own; it never echoes the password.
            if (process.ExitCode != 0) throw new InvalidOperationException($"mosquitto_passwd failed for user {user}: {error}");
            first = false;
        }
    }
}

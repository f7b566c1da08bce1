namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>Reads a small file (config or PEM) whole, turning every way that can fail into one problem that names
/// the path. Never reads more than the limit, so a wrong path to a huge file costs nothing.</summary>
internal static class BoundedFile
{
    /// <summary>1 MiB: far above any real config or PEM bundle, far below trouble.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Resolves <paramref name="given"/> against the base directory; null (and a problem) when the path is malformed.</summary>
    public static string? FullPath(string? option, string given, ConfigContext context, ProblemList problems)
    {
        try
        {
            return Path.GetFullPath(given, context.BaseDirectory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            problems.Error(option, $"{Subject(option, given)} is not a usable path: {e.Message}");
            return null;
        }
    }

    /// <summary>The file's bytes, or null after adding a problem. <paramref name="expected"/> reads like "a PEM file".</summary>
    public static byte[]? Read(string? option, string given, string fullPath, string expected, ConfigContext context, ProblemList problems)
    {
        string subject = Subject(option, given);
        if (Directory.Exists(fullPath)) { problems.Error(option, $"{subject} is a directory ({fullPath}); expected {expected}"); return null; }
        if (!File.Exists(fullPath))
        {
            string where = Path.IsPathRooted(given) ? "" : $"; relative paths start at the working directory {context.BaseDirectory}";
            problems.Error(option, $"{subject} not found (looked for {fullPath}{where})");
            return null;
        }
        try
        {
            using var stream = context.OpenRead(fullPath);
            if (stream.CanSeek && stream.Length > MaxBytes) { TooBig(option, subject, expected, problems); return null; }
            var buffer = new byte[MaxBytes + 1];
            int total = 0, read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
            if (total > MaxBytes) { TooBig(option, subject, expected, problems); return null; }
            if (total == 0) { problems.Error(option, $"{subject} is empty; expected {expected}"); return null; }
            return buffer.AsSpan(0, total).ToArray();
        }
        catch (UnauthorizedAccessException)
        {
            problems.Error(option, $"{subject} cannot be read: permission denied ({fullPath})");
        }
        catch (IOException e)
        {
            problems.Error(option, $"{subject} cannot be read: {e.Message}");
        }
        return null;
    }

    private static void TooBig(string? option, string subject, string expected, ProblemList problems)
        => problems.Error(option, $"{subject} is larger than 1 MiB ({MaxBytes} bytes); expected {expected}");

    private static string Subject(string? option, string given) => option is null ? $"config file \"{given}\"" : $"\"{given}\"";
}

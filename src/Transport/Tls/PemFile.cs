using Org.BouncyCastle.Utilities.IO.Pem;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>Reads the PEM blocks of a file, turning file-system problems into messages that name the file.</summary>
internal static class PemFile
{
    /// <summary>Reads every PEM block of <paramref name="path"/>. <paramref name="role"/> ("certificate file",
    /// "private key file", "root CA file") starts each message.</summary>
    public static List<PemObject> Read(string path, string role, Func<string, Exception?, Exception> error)
        => Parse(ReadText(path, role, error), $"{role} {path}", error);

    /// <summary>Reads every PEM block of <paramref name="text"/>; <paramref name="source"/> ("certificate file PATH",
    /// "inline certificate") starts each message.</summary>
    public static List<PemObject> Parse(string text, string source, Func<string, Exception?, Exception> error)
    {
        var blocks = new List<PemObject>();
        try
        {
            using var reader = new PemReader(new StringReader(text));
            while (reader.ReadPemObject() is { } block) blocks.Add(block);
        }
        catch (IOException e)
        {
            // BouncyCastle's message names the broken block's type, never its content.
            throw error($"{source} is not valid PEM: {e.Message}", e);
        }
        return blocks;
    }

    /// <summary>Reads the file's text, or throws a message that says why it cannot be read.</summary>
    public static string ReadText(string path, string role, Func<string, Exception?, Exception> error)
    {
        if (string.IsNullOrWhiteSpace(path)) throw error($"{role} path is empty", null);
        if (Directory.Exists(path)) throw error($"{role} {path} is a directory, not a file", null);
        if (!File.Exists(path))
            throw error($"{role} {path} does not exist (full path {Path.GetFullPath(path)})", null);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw error($"{role} {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The value of a PEM header such as <c>Proc-Type</c>, or null.</summary>
    public static string? Header(PemObject block, string name)
    {
        foreach (var header in block.Headers)
            if (header is PemHeader h && string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)) return h.Value;
        return null;
    }
}

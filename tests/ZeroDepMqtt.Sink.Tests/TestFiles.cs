using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ZeroDepMqtt.Sink.Configuration;

namespace ZeroDepMqtt.Sink.Tests;

/// <summary>A temp directory of real PEM files (generated per run) and broken ones, shared by the config tests.</summary>
public sealed class TestFiles : IDisposable
{
    public const string Password = "S3cr3t-P@ss-XYZ";
    public const string Passphrase = "Phr4se-QRS-secret";

    /// <summary>A fixed "now" for SAS expiry checks: 2025-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Valid for the fixed clock of in-process checks and for the real clock of the built zdmqtt alike.
    private static readonly DateTimeOffset ValidUntil = (DateTimeOffset.UtcNow > Now ? DateTimeOffset.UtcNow : Now).AddYears(1);

    public TestFiles()
    {
        Dir = Directory.CreateTempSubdirectory("zdmqtt-sink-tests-").FullName;
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=zdmqtt test client", ec, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(Now.AddDays(-1), ValidUntil);
        Write("cert.pem", cert.ExportCertificatePem() + "\n");
        Write("ca.pem", cert.ExportCertificatePem() + "\n");
        Write("key.pem", ec.ExportPkcs8PrivateKeyPem() + "\n");
        Write("key-ec.pem", ec.ExportECPrivateKeyPem() + "\n");
        Write("key-enc.pem", ec.ExportEncryptedPkcs8PrivateKeyPem(Passphrase,
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)) + "\n");
        using var rsa = RSA.Create(2048);
        Write("key-rsa.pem", rsa.ExportRSAPrivateKeyPem() + "\n");
        // Its own certificate: the config check requires that a key matches its certificate.
        using var rsaCert = new CertificateRequest("CN=zdmqtt test rsa client", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(Now.AddDays(-1), ValidUntil);
        Write("cert-rsa.pem", rsaCert.ExportCertificatePem() + "\n");
        using var expired = request.CreateSelfSigned(Now.AddYears(-2), Now.AddDays(-1));
        Write("cert-expired.pem", expired.ExportCertificatePem() + "\n");
        using var future = request.CreateSelfSigned(Now.AddDays(1), Now.AddYears(1));
        Write("cert-future.pem", future.ExportCertificatePem() + "\n");
        Write("ca-garbage.pem", "-----BEGIN CERTIFICATE-----\nthis is not base64 at all!!\n-----END CERTIFICATE-----\n");
        File.WriteAllBytes(Path.Combine(Dir, "cert.der"), cert.RawData);
        Write("empty.pem", "");
        Write("notpem.txt", "just some text, no armour\n");
        Write("ssh.key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        Write("huge.pem", cert.ExportCertificatePem() + "\n" + new string('#', BoundedFile.MaxBytes));
        Write("unreadable.pem", cert.ExportCertificatePem());
        Directory.CreateDirectory(Path.Combine(Dir, "adir"));
        Directory.CreateDirectory(Path.Combine(Dir, "keys"));
        File.Copy(Path.Combine(Dir, "cert.pem"), Path.Combine(Dir, "keys", "d3807d9fa5-certificate.pem"));
        File.Copy(Path.Combine(Dir, "key.pem"), Path.Combine(Dir, "keys", "d3807d9fa5-private.pem.key"));

        // Private keys as they should be kept: readable by the owner only (a looser mode is a warning).
        File.Copy(Path.Combine(Dir, "key.pem"), Path.Combine(Dir, "key-open.pem"));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var key in new[] { "key.pem", "key-ec.pem", "key-enc.pem", "key-rsa.pem", Path.Combine("keys", "d3807d9fa5-private.pem.key") })
                File.SetUnixFileMode(Path.Combine(Dir, key), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(Path.Combine(Dir, "key-open.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        Write("empty.json", "");
        Write("blank.json", "  \n\t\n");
        Write("huge.json", "{\"server\": \"tcp://h\", \"topic\": \"t\", \"pad\": \"" + new string('x', BoundedFile.MaxBytes) + "\"}");
        File.WriteAllBytes(Path.Combine(Dir, "latin1.json"), [.. "{\"server\": \"tcp://h\",\n \"topic\": \"caf"u8, 0xE9, .. "\"}"u8]);
        File.WriteAllBytes(Path.Combine(Dir, "utf16.json"), [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{\"server\": \"tcp://h\"}")]);
        Write("unreadable.json", "{\"server\": \"tcp://h\", \"topic\": \"t\"}");
    }

    public string Dir { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Paths resolve against <see cref="Dir"/>; files named unreadable.* fail to open as they would without permission
    /// (tests run as root here, where chmod 000 does not stop a read).</summary>
    internal ConfigContext Context => new()
    {
        BaseDirectory = Dir,
        Time = new FixedTime(Now),
        OpenRead = path => Path.GetFileNameWithoutExtension(path) == "unreadable"
            ? throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.")
            : File.OpenRead(path),
    };

    public void Write(string name, string text) => File.WriteAllText(Path.Combine(Dir, name), text);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ZeroDepMqtt.TestSupport;

/// <summary>A private PKI made once per test run in a temp folder: a root CA, an intermediate CA, a server certificate
/// for localhost, client certificates with their keys in every PEM form the loader accepts, and an unrelated CA.</summary>
public sealed class TestCertificates
{
    /// <summary>The passphrase of every encrypted key file.</summary>
    public const string Passphrase = "test-passphrase";

    private static readonly Lazy<TestCertificates> Shared = new(() => new TestCertificates());

    /// <summary>The certificates of this test run.</summary>
    public static TestCertificates Instance => Shared.Value;

    /// <summary>Client key forms, as names for <see cref="Client"/>.</summary>
    public static readonly string[] ClientForms =
    [
        "rsa-pkcs1", "rsa-pkcs8", "rsa-pkcs8-encrypted", "rsa-pkcs1-legacy-encrypted",
        "ec-sec1", "ec-pkcs8", "ec-pkcs8-encrypted", "ec-sec1-legacy-encrypted",
        "chain", "chain-leaf-last", "combined-file",
    ];

    /// <summary><see cref="ClientForms"/> as xunit theory data.</summary>
    public static TheoryData<string> ClientFormData => new(ClientForms);

    private readonly Dictionary<string, ClientFiles> _clients = [];

    private TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("zdmqtt-certs-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { } };
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(30);

        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateCa("CN=ZeroDepMqtt Test Root CA", rootKey, issuer: null, notBefore, notAfter);
        CaPath = WriteCert("ca.pem", root);

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediate = CreateCa("CN=ZeroDepMqtt Test Intermediate CA", intermediateKey, root, notBefore, notAfter);
        IntermediateCaPath = WriteCert("intermediate.pem", intermediate);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateCa("CN=Some Other CA", otherKey, issuer: null, notBefore, notAfter);
        OtherCaPath = WriteCert("other-ca.pem", other);

        using var serverKey = RSA.Create(2048);
        using var server = CreateLeaf(new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), root, notBefore, notAfter, server: true);
        ServerCertPath = WriteCert("server.pem", server);
        ServerKeyPath = Write("server.key", serverKey.ExportPkcs8PrivateKeyPem());

        using var clientRsaKey = RSA.Create(2048);
        using var clientRsa = CreateLeaf(new CertificateRequest("CN=client-rsa", clientRsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), root, notBefore, notAfter, server: false);
        ClientRsaCertPath = WriteCert("client-rsa.pem", clientRsa);
        AddClient("rsa-pkcs1", ClientRsaCertPath, Write("client-rsa.pkcs1.key", clientRsaKey.ExportRSAPrivateKeyPem()), null);
        AddClient("rsa-pkcs8", ClientRsaCertPath, Write("client-rsa.pkcs8.key", clientRsaKey.ExportPkcs8PrivateKeyPem()), null);
        AddClient("rsa-pkcs8-encrypted", ClientRsaCertPath, Write("client-rsa.pkcs8-enc.key", clientRsaKey.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, Pbe)), Passphrase);
        AddClient("rsa-pkcs1-legacy-encrypted", ClientRsaCertPath, Write("client-rsa.legacy-enc.key", LegacyEncryptedPem("RSA PRIVATE KEY", clientRsaKey.ExportRSAPrivateKey(), Passphrase)), Passphrase);

        using var clientEcKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var clientEc = CreateLeaf(new CertificateRequest("CN=client-ec", clientEcKey, HashAlgorithmName.SHA256), root, notBefore, notAfter, server: false);
        ClientEcCertPath = WriteCert("client-ec.pem", clientEc);
        AddClient("ec-sec1", ClientEcCertPath, Write("client-ec.sec1.key", clientEcKey.ExportECPrivateKeyPem()), null);
        AddClient("ec-pkcs8", ClientEcCertPath, Write("client-ec.pkcs8.key", clientEcKey.ExportPkcs8PrivateKeyPem()), null);
        AddClient("ec-pkcs8-encrypted", ClientEcCertPath, Write("client-ec.pkcs8-enc.key", clientEcKey.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, Pbe)), Passphrase);
        AddClient("ec-sec1-legacy-encrypted", ClientEcCertPath, Write("client-ec.legacy-enc.key", LegacyEncryptedPem("EC PRIVATE KEY", clientEcKey.ExportECPrivateKey(), Passphrase)), Passphrase);

        // Issued by the intermediate: the broker (trusting the root only) accepts it only if the chain is sent too.
        using var chainKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var chainLeaf = CreateLeaf(new CertificateRequest("CN=client-chain", chainKey, HashAlgorithmName.SHA256), intermediate, notBefore, notAfter, server: false);
        string chainKeyPath = Write("client-chain.key", chainKey.ExportPkcs8PrivateKeyPem());
        AddClient("chain", Write("client-chain.pem", chainLeaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n"), chainKeyPath, null);
        AddClient("chain-leaf-last", Write("client-chain-leaf-last.pem", intermediate.ExportCertificatePem() + "\n" + chainLeaf.ExportCertificatePem() + "\n"), chainKeyPath, null);
        string combined = Write("client-combined.pem", clientRsa.ExportCertificatePem() + "\n" + clientRsaKey.ExportRSAPrivateKeyPem() + "\n");
        AddClient("combined-file", combined, combined, null);

        using var strangerKey = RSA.Create(2048);
        MismatchedKeyPath = Write("stranger.key", strangerKey.ExportPkcs8PrivateKeyPem());
    }

    private static PbeParameters Pbe => new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);

    /// <summary>The folder holding every file.</summary>
    public string Directory { get; }

    /// <summary>The root CA certificate (PEM): the broker's <c>cafile</c> and the client's root CA file.</summary>
    public string CaPath { get; }

    /// <summary>The intermediate CA certificate (PEM), issued by the root.</summary>
    public string IntermediateCaPath { get; }

    /// <summary>An unrelated CA (PEM) that issued nothing here.</summary>
    public string OtherCaPath { get; }

    /// <summary>The broker's certificate: CN localhost, SAN DNS localhost and IP 127.0.0.1, issued by the root.</summary>
    public string ServerCertPath { get; }

    /// <summary>The broker's key (PKCS#8).</summary>
    public string ServerKeyPath { get; }

    /// <summary>The RSA client certificate (its keys: the rsa-* forms).</summary>
    public string ClientRsaCertPath { get; }

    /// <summary>The EC client certificate (its keys: the ec-* forms).</summary>
    public string ClientEcCertPath { get; }

    /// <summary>An RSA key that belongs to no certificate here.</summary>
    public string MismatchedKeyPath { get; }

    /// <summary>The certificate file, key file and passphrase of a client key form from <see cref="ClientForms"/>.</summary>
    public ClientFiles Client(string form) => _clients[form];

    private void AddClient(string form, string certificatePath, string keyPath, string? passphrase)
        => _clients.Add(form, new ClientFiles(form, certificatePath, keyPath, passphrase));

    private string WriteCert(string name, X509Certificate2 certificate) => Write(name, certificate.ExportCertificatePem() + "\n");

    private string Write(string name, string text)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, text.EndsWith('\n') ? text : text + "\n");
        return path;
    }

    private static X509Certificate2 CreateCa(string subject, ECDsa key, X509Certificate2? issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, hasPathLengthConstraint: issuer is not null, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        if (issuer is null)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
            return request.CreateSelfSigned(notBefore, notAfter);
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, notBefore, notAfter, Serial());
        return signed.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 CreateLeaf(CertificateRequest request, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, bool server)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        // The CAs are EC; Create(issuer, ...) refuses an RSA request under an EC issuer, a signature generator does not.
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        return request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, Serial());
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        return serial;
    }

    /// <summary>OpenSSL's pre-PKCS#8 encryption ("Proc-Type: 4,ENCRYPTED"): AES-256-CBC with the key from
    /// EVP_BytesToKey(MD5, one round, salt = the first 8 bytes of the IV). .NET cannot write it, so it is done here.</summary>
    private static string LegacyEncryptedPem(string label, byte[] der, string passphrase)
    {
        byte[] iv = RandomNumberGenerator.GetBytes(16);
        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        byte[] key = new byte[32];
        byte[] previous = [];
        for (int filled = 0; filled < key.Length;)
        {
            previous = MD5.HashData([.. previous, .. password, .. iv.AsSpan(0, 8)]);
            int n = Math.Min(previous.Length, key.Length - filled);
            previous.AsSpan(0, n).CopyTo(key.AsSpan(filled));
            filled += n;
        }
        using var aes = Aes.Create();
        aes.Key = key;
        byte[] encrypted = aes.EncryptCbc(der, iv, PaddingMode.PKCS7);
        string body = Convert.ToBase64String(encrypted, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n");
        return $"-----BEGIN {label}-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,{Convert.ToHexString(iv)}\n\n{body}\n-----END {label}-----\n";
    }
}

/// <summary>A client certificate file, its key file and the key's passphrase.</summary>
public sealed record ClientFiles(string Form, string CertificatePath, string KeyPath, string? Passphrase)
{
    /// <inheritdoc/>
    public override string ToString() => Form;
}

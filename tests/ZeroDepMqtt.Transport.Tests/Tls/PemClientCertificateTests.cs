using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ZeroDepMqtt.TestSupport;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests.Tls;

public sealed class PemClientCertificateTests
{
    private static readonly TestCertificates Certs = TestCertificates.Instance;

    [Theory]
    [MemberData(nameof(TestCertificates.ClientFormData), MemberType = typeof(TestCertificates))]
    public void Loads_every_key_form_with_a_usable_private_key(string form)
    {
        var files = Certs.Client(form);
        using var loaded = PemClientCertificate.Load(files.CertificatePath, files.KeyPath, files.Passphrase);

        Assert.True(loaded.Certificate.HasPrivateKey);
        // The key signs what the certificate's public key verifies: it is the certificate's own key.
        byte[] data = "proof"u8.ToArray();
        if (loaded.Certificate.GetRSAPrivateKey() is { } rsa)
        {
            using (rsa)
            using (var pub = loaded.Certificate.GetRSAPublicKey()!)
                Assert.True(pub.VerifyData(data, rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        else
        {
            using var ec = loaded.Certificate.GetECDsaPrivateKey()!;
            using var pub = loaded.Certificate.GetECDsaPublicKey()!;
            Assert.True(pub.VerifyData(data, ec.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
        }
    }

    [Theory]
    [InlineData("chain")]
    [InlineData("chain-leaf-last")]
    public void Chain_file_gives_the_leaf_and_the_intermediate_wherever_the_leaf_stands(string form)
    {
        var files = Certs.Client(form);
        using var loaded = PemClientCertificate.Load(files.CertificatePath, files.KeyPath, files.Passphrase);

        Assert.Equal("CN=client-chain", loaded.Certificate.Subject);
        var intermediate = Assert.Single(loaded.Chain);
        using var expected = X509CertificateLoader.LoadCertificateFromFile(Certs.IntermediateCaPath);
        Assert.Equal(expected.Thumbprint, intermediate.Thumbprint);
    }

    [Fact]
    public void Single_certificate_has_an_empty_chain()
    {
        var files = Certs.Client("ec-sec1");
        using var loaded = PemClientCertificate.Load(files.CertificatePath, files.KeyPath, null);
        Assert.Equal("CN=client-ec", loaded.Certificate.Subject);
        Assert.Empty(loaded.Chain);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public void Key_of_another_certificate_is_refused_naming_both_files(string certificate)
    {
        string certPath = certificate == "rsa" ? Certs.ClientRsaCertPath : Certs.ClientEcCertPath;
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(certPath, Certs.MismatchedKeyPath, null));
        Assert.Contains("does not match", e.Message);
        Assert.Contains(certPath, e.Message);
        Assert.Contains(Certs.MismatchedKeyPath, e.Message);
    }

    [Fact]
    public void Key_matching_no_certificate_of_a_chain_is_refused()
    {
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(Certs.Client("chain").CertificatePath, Certs.MismatchedKeyPath, null));
        Assert.Contains("any of the 2 certificates", e.Message);
    }

    [Theory]
    [InlineData("rsa-pkcs8-encrypted", null)]
    [InlineData("rsa-pkcs8-encrypted", "")]
    [InlineData("rsa-pkcs1-legacy-encrypted", null)]
    [InlineData("ec-sec1-legacy-encrypted", null)]
    public void Encrypted_key_without_passphrase_says_so(string form, string? passphrase)
    {
        var files = Certs.Client(form);
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(files.CertificatePath, files.KeyPath, passphrase));
        Assert.Equal($"private key file {files.KeyPath} is encrypted but no passphrase was given", e.Message);
    }

    [Theory]
    [InlineData("rsa-pkcs8-encrypted")]
    [InlineData("ec-pkcs8-encrypted")]
    [InlineData("rsa-pkcs1-legacy-encrypted")]
    [InlineData("ec-sec1-legacy-encrypted")]
    public void Wrong_passphrase_says_so_without_echoing_it(string form)
    {
        var files = Certs.Client(form);
        const string Wrong = "not-the-passphrase";
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(files.CertificatePath, files.KeyPath, Wrong));
        Assert.Equal($"private key file {files.KeyPath} could not be decrypted: wrong passphrase", e.Message);
        Assert.DoesNotContain(Wrong, e.ToString());
    }

    [Fact]
    public void Passphrase_given_for_a_plain_key_is_ignored()
    {
        var files = Certs.Client("rsa-pkcs8");
        using var loaded = PemClientCertificate.Load(files.CertificatePath, files.KeyPath, "unused");
        Assert.True(loaded.Certificate.HasPrivateKey);
    }

    [Fact]
    public void Missing_certificate_file_is_named()
    {
        string missing = Path.Combine(Certs.Directory, "nope.pem");
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(missing, Certs.Client("rsa-pkcs8").KeyPath, null));
        Assert.StartsWith($"certificate file {missing} does not exist", e.Message);
    }

    [Fact]
    public void Missing_key_file_is_named()
    {
        string missing = Path.Combine(Certs.Directory, "nope.key");
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(Certs.ClientRsaCertPath, missing, null));
        Assert.StartsWith($"private key file {missing} does not exist", e.Message);
    }

    [Fact]
    public void Directory_instead_of_a_file_is_named()
    {
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(Certs.Directory, Certs.Client("rsa-pkcs8").KeyPath, null));
        Assert.Equal($"certificate file {Certs.Directory} is a directory, not a file", e.Message);
        var k = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(Certs.ClientRsaCertPath, Certs.Directory, null));
        Assert.Equal($"private key file {Certs.Directory} is a directory, not a file", k.Message);
    }

    [Fact]
    public void Certificate_file_without_a_certificate_says_what_it_found()
    {
        string keyPath = Certs.Client("rsa-pkcs8").KeyPath;
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(keyPath, keyPath, null));
        Assert.Equal($"certificate file {keyPath} holds no certificate (found only \"PRIVATE KEY\"; expected -----BEGIN CERTIFICATE-----)", e.Message);
    }

    [Fact]
    public void Key_file_without_a_key_says_what_it_found()
    {
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(Certs.ClientRsaCertPath, Certs.ClientRsaCertPath, null));
        Assert.StartsWith($"private key file {Certs.ClientRsaCertPath} holds no private key (found only \"CERTIFICATE\"", e.Message);
    }

    [Fact]
    public void File_that_is_not_PEM_is_refused()
    {
        using var temp = new TempFile("just some text\n");
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(temp.Path, Certs.Client("rsa-pkcs8").KeyPath, null));
        Assert.Contains("found no PEM blocks", e.Message);
    }

    [Fact]
    public void DSA_key_is_an_unsupported_key_type()
    {
        using var dsa = DSA.Create(2048);
        using var temp = new TempFile(dsa.ExportPkcs8PrivateKeyPem());
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(Certs.ClientRsaCertPath, temp.Path, null));
        Assert.Equal($"private key file {temp.Path} holds a DSA key, which is not supported; use an RSA or EC (ECDSA) key", e.Message);
    }

    [Fact]
    public void OpenSSH_key_block_is_an_unsupported_format()
    {
        using var temp = new TempFile("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        var e = Assert.Throws<ClientCertificateException>(() => PemClientCertificate.Load(Certs.ClientRsaCertPath, temp.Path, null));
        Assert.StartsWith($"private key file {temp.Path} holds a \"OPENSSH PRIVATE KEY\" block, which is not supported", e.Message);
    }

    private sealed class TempFile : IDisposable
    {
        public TempFile(string text)
        {
            Path = System.IO.Path.GetTempFileName();
            File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}

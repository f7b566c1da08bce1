using System.Security.Cryptography;
using System.Text;
using ZeroDepMqtt.Transport.Tls;

namespace ZeroDepMqtt.Transport.Tests.Tls;

/// <summary>The key forms and ciphers PemPrivateKey decodes with .NET alone (no BouncyCastle OpenSSL reader), and
/// the messages for the ones it does not.</summary>
public sealed class PemPrivateKeyTests
{
    private const string Source = "inline private key";
    private const string Passphrase = "pässphrase"; // non-ASCII: encoded as UTF-8, as OpenSSL takes it from a terminal

    private static AsymmetricAlgorithm Decode(string pem, string? passphrase)
    {
        var blocks = PemFile.Parse(pem, Source, (m, e) => new ClientCertificateException(m, e));
        return PemPrivateKey.Decode(Assert.Single(blocks), Source, passphrase);
    }

    private static void AssertSameKey(AsymmetricAlgorithm expected, AsymmetricAlgorithm actual)
    {
        switch (expected)
        {
            case RSA rsa:
                Assert.Equal(rsa.ExportParameters(false).Modulus, Assert.IsAssignableFrom<RSA>(actual).ExportParameters(false).Modulus);
                break;
            case ECDsa ec:
                Assert.Equal(ec.ExportParameters(false).Q.X, Assert.IsAssignableFrom<ECDsa>(actual).ExportParameters(false).Q.X);
                break;
        }
    }

    private static AsymmetricAlgorithm NewKey(string kind) => kind == "rsa" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP384);

    [Theory]
    [InlineData("rsa", "AES-128-CBC")]
    [InlineData("rsa", "AES-192-CBC")]
    [InlineData("ec", "AES-256-CBC")]
    [InlineData("ec", "DES-EDE3-CBC")]
    public void Legacy_openssl_encryption_with_each_supported_cipher(string kind, string cipher)
    {
        using var key = NewKey(kind);
        string label = key is RSA ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
        byte[] der = key is RSA r ? r.ExportRSAPrivateKey() : ((ECDsa)key).ExportECPrivateKey();
        using var decoded = Decode(LegacyEncryptedPem(label, der, cipher, Passphrase), Passphrase);
        AssertSameKey(key, decoded);
    }

    [Theory]
    [InlineData("rsa", PbeEncryptionAlgorithm.Aes128Cbc, "SHA1")]
    [InlineData("ec", PbeEncryptionAlgorithm.Aes192Cbc, "SHA384")]
    [InlineData("ec", PbeEncryptionAlgorithm.Aes256Cbc, "SHA512")]
    [InlineData("rsa", PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, "SHA1")] // PKCS#12 PBE: .NET's own import
    [InlineData("ec", PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, "SHA1")]
    public void Encrypted_pkcs8_with_each_supported_scheme(string kind, PbeEncryptionAlgorithm cipher, string prf)
    {
        using var key = NewKey(kind);
        string pem = key.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, new PbeParameters(cipher, new HashAlgorithmName(prf), 1000));
        using var decoded = Decode(pem, Passphrase);
        AssertSameKey(key, decoded);
    }

    [Theory]
    [InlineData(PbeEncryptionAlgorithm.Aes128Cbc)]
    [InlineData(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12)]
    public void Wrong_passphrase_on_encrypted_pkcs8_says_so(PbeEncryptionAlgorithm cipher)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string pem = key.ExportEncryptedPkcs8PrivateKeyPem(Passphrase, new PbeParameters(cipher, HashAlgorithmName.SHA1, 1000));
        var e = Assert.Throws<ClientCertificateException>(() => Decode(pem, "wrong"));
        Assert.Equal($"{Source} could not be decrypted: wrong passphrase", e.Message);
    }

    [Fact]
    public void Legacy_cipher_that_is_not_supported_is_named()
    {
        string pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: BF-CBC,0102030405060708\n\nAAAAAAAAAAA=\n-----END RSA PRIVATE KEY-----\n";
        var e = Assert.Throws<ClientCertificateException>(() => Decode(pem, Passphrase));
        Assert.StartsWith($"{Source} is encrypted with BF-CBC, which is not supported (AES-128/192/256-CBC and DES-EDE3-CBC are)", e.Message);
    }

    [Fact]
    public void Ed25519_key_is_an_unsupported_key_type()
    {
        // RFC 8410 section 10.3's example key.
        string pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        var e = Assert.Throws<ClientCertificateException>(() => Decode(pem, null));
        Assert.Equal($"{Source} holds an Ed25519 key, which is not supported; use an RSA or EC (ECDSA) key", e.Message);
    }

    [Fact]
    public void Garbage_in_a_plain_key_block_cannot_be_parsed()
    {
        var e = Assert.Throws<ClientCertificateException>(() => Decode("-----BEGIN EC PRIVATE KEY-----\nAAECAwQ=\n-----END EC PRIVATE KEY-----\n", null));
        Assert.StartsWith($"{Source}: the \"EC PRIVATE KEY\" block cannot be parsed", e.Message);
    }

    /// <summary>OpenSSL's legacy form, written independently of the code under test: EVP_BytesToKey(MD5, 1 round).</summary>
    private static string LegacyEncryptedPem(string label, byte[] der, string cipher, string passphrase)
    {
        bool des3 = cipher == "DES-EDE3-CBC";
        int keySize = des3 ? 24 : int.Parse(cipher.AsSpan(4, 3)) / 8;
        byte[] iv = RandomNumberGenerator.GetBytes(des3 ? 8 : 16);
        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        var key = new List<byte>();
        byte[] previous = [];
        while (key.Count < keySize)
        {
            previous = MD5.HashData([.. previous, .. password, .. iv.AsSpan(0, 8)]);
            key.AddRange(previous);
        }
        using SymmetricAlgorithm algorithm = des3 ? TripleDES.Create() : Aes.Create();
        algorithm.Key = key.Take(keySize).ToArray();
        byte[] encrypted = algorithm.EncryptCbc(der, iv, PaddingMode.PKCS7);
        return $"-----BEGIN {label}-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: {cipher},{Convert.ToHexString(iv)}\n\n{Convert.ToBase64String(encrypted, Base64FormattingOptions.InsertLineBreaks)}\n-----END {label}-----\n";
    }
}

using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>Decrypts a PKCS#8 EncryptedPrivateKeyInfo protected by PBES2 (RFC 8018: PBKDF2 with HMAC-SHA1/256/384/512,
/// then AES-128/192/256-CBC or DES-EDE3-CBC), what OpenSSL 1.1+ and .NET write, to the PrivateKeyInfo inside.</summary>
internal static class Pbes2Decryption
{
    private const string Pbes2Oid = "1.2.840.113549.1.5.13";
    private const string Pbkdf2Oid = "1.2.840.113549.1.5.12";

    /// <summary>The decrypted PrivateKeyInfo (the caller wipes it), or null when the scheme is not PBES2.</summary>
    /// <exception cref="CryptographicException">Wrong passphrase (bad padding).</exception>
    /// <exception cref="AsnContentException">The structure is not an EncryptedPrivateKeyInfo.</exception>
    /// <exception cref="ClientCertificateException">A PBES2 key derivation or cipher that is not supported.</exception>
    public static byte[]? TryDecrypt(byte[] der, string passphrase, string source)
    {
        var info = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        var scheme = info.ReadSequence();
        if (scheme.ReadObjectIdentifier() != Pbes2Oid) return null;
        var parameters = scheme.ReadSequence();

        var kdf = parameters.ReadSequence();
        string kdfOid = kdf.ReadObjectIdentifier();
        if (kdfOid != Pbkdf2Oid) throw Unsupported(source, $"key derivation {kdfOid} (only PBKDF2 is)");
        var pbkdf2 = kdf.ReadSequence();
        byte[] salt = pbkdf2.ReadOctetString();
        if (!pbkdf2.TryReadInt32(out int iterations) || iterations < 1) throw new AsnContentException("bad PBKDF2 iteration count");
        if (pbkdf2.HasData && pbkdf2.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) pbkdf2.ReadInteger(); // keyLength: the cipher fixes it
        var prf = HashAlgorithmName.SHA1; // the RFC 8018 default
        if (pbkdf2.HasData)
        {
            string prfOid = pbkdf2.ReadSequence().ReadObjectIdentifier();
            prf = prfOid switch
            {
                "1.2.840.113549.2.7" => HashAlgorithmName.SHA1,
                "1.2.840.113549.2.9" => HashAlgorithmName.SHA256,
                "1.2.840.113549.2.10" => HashAlgorithmName.SHA384,
                "1.2.840.113549.2.11" => HashAlgorithmName.SHA512,
                _ => throw Unsupported(source, $"PBKDF2 with PRF {prfOid} (HMAC-SHA1/256/384/512 are)"),
            };
        }

        var encryption = parameters.ReadSequence();
        string cipherOid = encryption.ReadObjectIdentifier();
        int keySize = cipherOid switch
        {
            "2.16.840.1.101.3.4.1.2" => 16,
            "2.16.840.1.101.3.4.1.22" => 24,
            "2.16.840.1.101.3.4.1.42" => 32,
            "1.2.840.113549.3.7" => 24,
            _ => throw Unsupported(source, $"cipher {cipherOid} (AES-128/192/256-CBC and DES-EDE3-CBC are)"),
        };
        byte[] iv = encryption.ReadOctetString();
        byte[] encrypted = info.ReadOctetString();

        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, prf, keySize);
        try
        {
            return CbcDecryption.Decrypt(cipherOid == "1.2.840.113549.3.7", key, iv, encrypted);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(password);
        }
    }

    private static ClientCertificateException Unsupported(string source, string what)
        => new($"{source} is encrypted with {what}, which is not supported; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`");
}

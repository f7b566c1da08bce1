using System.Formats.Asn1;
using System.Security.Cryptography;
using Org.BouncyCastle.Utilities.IO.Pem;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>Turns one PEM private key block (RSA or EC; PKCS#1, SEC1, PKCS#8, encrypted PKCS#8 or legacy OpenSSL
/// encryption) into a .NET <see cref="RSA"/> or <see cref="ECDsa"/>. BouncyCastle only frames the PEM block; .NET
/// decrypts and imports, and decrypted key bytes are wiped afterwards.</summary>
/// <remarks>BouncyCastle's OpenSSL PemReader used to parse and decrypt here: it reaches every cipher, digest, curve and
/// signer BouncyCastle has, about 1.6 MB of the Native AOT zdmqtt binary (issue 15's 8 MiB goal), for keys .NET reads
/// itself.</remarks>
internal static class PemPrivateKey
{
    private static readonly string[] KeyTypes = ["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"];

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <summary>Whether the block is a private key of any kind, supported or not.</summary>
    public static bool IsPrivateKey(PemObject block) => block.Type.EndsWith("PRIVATE KEY", StringComparison.Ordinal);

    /// <summary>Whether the block needs a passphrase.</summary>
    public static bool IsEncrypted(PemObject block)
        => block.Type == "ENCRYPTED PRIVATE KEY"
        || (PemFile.Header(block, "Proc-Type")?.Contains("ENCRYPTED", StringComparison.OrdinalIgnoreCase) ?? false);

    /// <summary>Decodes the key.</summary>
    /// <exception cref="ClientCertificateException">Unsupported key format or type, missing or wrong passphrase, or a
    /// key that cannot be parsed; the message names <paramref name="source"/> ("private key file PATH" or "inline private key").</exception>
    public static AsymmetricAlgorithm Decode(PemObject block, string source, string? passphrase)
    {
        if (Array.IndexOf(KeyTypes, block.Type) < 0)
            throw new ClientCertificateException(
                $"{source} holds a \"{block.Type}\" block, which is not supported; use an RSA or EC key in PKCS#1 (RSA PRIVATE KEY), SEC1 (EC PRIVATE KEY) or PKCS#8 (PRIVATE KEY, ENCRYPTED PRIVATE KEY) form");
        if (!IsEncrypted(block)) return Import(block.Type, block.Content, source, encrypted: false);
        if (string.IsNullOrEmpty(passphrase))
            throw new ClientCertificateException($"{source} is encrypted but no passphrase was given");

        byte[]? plain;
        string form = block.Type;
        try
        {
            if (block.Type == "ENCRYPTED PRIVATE KEY")
            {
                plain = Pbes2Decryption.TryDecrypt(block.Content, passphrase, source);
                if (plain is null) return ImportPbes1(block.Content, passphrase, source);
                form = "PRIVATE KEY";
            }
            else
            {
                plain = OpenSslLegacyDecryption.Decrypt(block, passphrase, source);
            }
        }
        catch (CryptographicException e)
        {
            // A wrong passphrase shows up as a padding error after decryption.
            throw WrongPassphrase(source, e);
        }
        catch (AsnContentException e)
        {
            throw new ClientCertificateException($"{source}: the \"{block.Type}\" block cannot be parsed ({e.GetType().Name})", e);
        }
        try
        {
            return Import(form, plain, source, encrypted: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static ClientCertificateException WrongPassphrase(string source, Exception e)
        => new($"{source} could not be decrypted: wrong passphrase", e);

    private static AsymmetricAlgorithm Import(string form, byte[] der, string source, bool encrypted)
    {
        AsymmetricAlgorithm? key = null;
        try
        {
            switch (form)
            {
                case "RSA PRIVATE KEY":
                    key = RSA.Create();
                    ((RSA)key).ImportRSAPrivateKey(der, out _);
                    break;
                case "EC PRIVATE KEY":
                    key = ECDsa.Create();
                    ((ECDsa)key).ImportECPrivateKey(der, out _);
                    break;
                default:
                    string oid = Pkcs8Algorithm(der);
                    key = oid switch
                    {
                        RsaOid => RSA.Create(),
                        EcOid => ECDsa.Create(),
                        _ => throw new ClientCertificateException(
                            $"{source} holds {Describe(oid)} key, which is not supported; use an RSA or EC (ECDSA) key"),
                    };
                    key.ImportPkcs8PrivateKey(der, out _);
                    break;
            }
            return key;
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            key?.Dispose();
            // Decrypted with a wrong passphrase, the bytes are noise: an ASN.1 error means the same to a user.
            if (encrypted) throw WrongPassphrase(source, e);
            throw new ClientCertificateException($"{source}: the \"{form}\" block cannot be parsed ({e.GetType().Name})", e);
        }
        catch
        {
            key?.Dispose();
            throw;
        }
    }

    /// <summary>PBES1 and PKCS#12 schemes (old OpenSSL and Java defaults), which .NET decrypts only while importing:
    /// RSA first, then EC. .NET does not say whether the passphrase or the key type failed, so a PBES1-encrypted key
    /// that is neither RSA nor EC is reported as a wrong passphrase.</summary>
    private static AsymmetricAlgorithm ImportPbes1(byte[] der, string passphrase, string source)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportEncryptedPkcs8PrivateKey(passphrase, der, out _);
            return rsa;
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
        }
        var ec = ECDsa.Create();
        try
        {
            ec.ImportEncryptedPkcs8PrivateKey(passphrase, der, out _);
            return ec;
        }
        catch (CryptographicException e)
        {
            ec.Dispose();
            throw WrongPassphrase(source, e);
        }
    }

    /// <summary>The algorithm OID of a PKCS#8 PrivateKeyInfo.</summary>
    private static string Pkcs8Algorithm(byte[] der)
    {
        var info = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        info.ReadInteger(); // version
        return info.ReadSequence().ReadObjectIdentifier();
    }

    private static string Describe(string oid) => oid switch
    {
        "1.2.840.10040.4.1" => "a DSA",
        "1.3.101.112" => "an Ed25519",
        "1.3.101.113" => "an Ed448",
        "1.3.101.110" => "an X25519",
        "1.3.101.111" => "an X448",
        "1.2.840.113549.1.3.1" => "a DH",
        "1.2.840.113549.1.1.10" => "an RSASSA-PSS",
        _ => $"an algorithm {oid}",
    };
}

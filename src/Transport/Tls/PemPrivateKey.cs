using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Utilities.IO.Pem;
using BcPemReader = Org.BouncyCastle.OpenSsl.PemReader;
using BcPemWriter = Org.BouncyCastle.Utilities.IO.Pem.PemWriter;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>Turns one PEM private key block (RSA or EC; PKCS#1, SEC1, PKCS#8, encrypted PKCS#8 or legacy OpenSSL
/// encryption) into a .NET <see cref="RSA"/> or <see cref="ECDsa"/>. BouncyCastle parses and decrypts; .NET imports the
/// result as PKCS#8 DER, which is wiped afterwards.</summary>
internal static class PemPrivateKey
{
    private static readonly string[] KeyTypes = ["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"];

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
        bool encrypted = IsEncrypted(block);
        if (encrypted && string.IsNullOrEmpty(passphrase))
            throw new ClientCertificateException($"{source} is encrypted but no passphrase was given");

        AsymmetricKeyParameter key = Parse(block, source, encrypted ? passphrase : null);
        return key switch
        {
            RsaPrivateCrtKeyParameters => Import(key, RSA.Create()),
            ECPrivateKeyParameters => Import(key, ECDsa.Create()),
            _ => throw new ClientCertificateException(
                $"{source} holds a {Describe(key)} key, which is not supported; use an RSA or EC (ECDSA) key"),
        };
    }

    private static AsymmetricKeyParameter Parse(PemObject block, string source, string? passphrase)
    {
        // The OpenSSL reader does the decryption (PBES1/PBES2 and the legacy DEK-Info headers); it takes PEM text.
        var text = new StringWriter();
        new BcPemWriter(text).WriteObject(block);
        var finder = passphrase is null ? null : new Passphrase(passphrase);
        try
        {
            object? parsed = new BcPemReader(new StringReader(text.ToString()), finder).ReadObject();
            return parsed switch
            {
                AsymmetricCipherKeyPair pair => pair.Private,
                AsymmetricKeyParameter { IsPrivate: true } single => single,
                _ => throw new ClientCertificateException($"{source}: the \"{block.Type}\" block holds no private key"),
            };
        }
        catch (ClientCertificateException) { throw; }
        catch (Exception e) when (passphrase is not null)
        {
            // A wrong passphrase shows up as a padding or ASN.1 error after decryption; both mean the same to a user.
            throw new ClientCertificateException($"{source} could not be decrypted: wrong passphrase", e);
        }
        catch (Exception e)
        {
            throw new ClientCertificateException($"{source}: the \"{block.Type}\" block cannot be parsed ({e.GetType().Name})", e);
        }
        finally
        {
            finder?.Clear();
        }
    }

    private static T Import<T>(AsymmetricKeyParameter key, T algorithm) where T : AsymmetricAlgorithm
    {
        byte[] der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
        try
        {
            algorithm.ImportPkcs8PrivateKey(der, out _);
            return algorithm;
        }
        catch
        {
            algorithm.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static string Describe(AsymmetricKeyParameter key) => key switch
    {
        DsaPrivateKeyParameters => "DSA",
        Ed25519PrivateKeyParameters => "Ed25519",
        Ed448PrivateKeyParameters => "Ed448",
        X25519PrivateKeyParameters => "X25519",
        X448PrivateKeyParameters => "X448",
        _ => key.GetType().Name.Replace("PrivateKeyParameters", "", StringComparison.Ordinal),
    };

    /// <summary>Hands the passphrase to BouncyCastle as a char array that is wiped afterwards.</summary>
    private sealed class Passphrase(string value) : IPasswordFinder
    {
        private readonly List<char[]> _handedOut = [];

        public char[] GetPassword()
        {
            var chars = value.ToCharArray();
            _handedOut.Add(chars);
            return chars;
        }

        public void Clear()
        {
            foreach (var chars in _handedOut) Array.Clear(chars);
        }
    }
}

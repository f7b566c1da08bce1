using System.Security.Cryptography;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>CBC decryption with PKCS#7 padding for the encrypted private key forms (AES or DES-EDE3).</summary>
internal static class CbcDecryption
{
    /// <exception cref="CryptographicException">Bad padding (a wrong passphrase) or a bad IV length.</exception>
    public static byte[] Decrypt(bool tripleDes, byte[] key, byte[] iv, byte[] encrypted)
    {
        using SymmetricAlgorithm cipher = tripleDes ? TripleDES.Create() : Aes.Create();
        cipher.Key = key;
        return cipher.DecryptCbc(encrypted, iv, PaddingMode.PKCS7);
    }
}

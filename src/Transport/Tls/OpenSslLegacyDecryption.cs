using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Utilities.IO.Pem;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>OpenSSL's pre-PKCS#8 key encryption ("Proc-Type: 4,ENCRYPTED" with "DEK-Info: CIPHER,IV"): the key is
/// EVP_BytesToKey(MD5, one round, salt = the IV's first 8 bytes) of the passphrase, the cipher CBC with PKCS#7.</summary>
internal static class OpenSslLegacyDecryption
{
    /// <summary>The decrypted DER key (the caller wipes it).</summary>
    /// <exception cref="CryptographicException">Wrong passphrase (bad padding).</exception>
    /// <exception cref="ClientCertificateException">No or a malformed DEK-Info header, or a cipher that is not supported.</exception>
    public static byte[] Decrypt(PemObject block, string passphrase, string source)
    {
        string? dekInfo = PemFile.Header(block, "DEK-Info");
        int comma = dekInfo?.IndexOf(',') ?? -1;
        if (dekInfo is null || comma < 0)
            throw new ClientCertificateException($"{source} is marked encrypted but has no \"DEK-Info: CIPHER,IV\" header");
        string cipherName = dekInfo[..comma].Trim().ToUpperInvariant();
        (bool tripleDes, int keySize) = cipherName switch
        {
            "AES-128-CBC" => (false, 16),
            "AES-192-CBC" => (false, 24),
            "AES-256-CBC" => (false, 32),
            "DES-EDE3-CBC" => (true, 24),
            _ => throw new ClientCertificateException(
                $"{source} is encrypted with {cipherName}, which is not supported (AES-128/192/256-CBC and DES-EDE3-CBC are); re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"),
        };
        byte[] iv;
        try
        {
            iv = Convert.FromHexString(dekInfo[(comma + 1)..].Trim());
        }
        catch (FormatException)
        {
            throw new ClientCertificateException($"{source} has a DEK-Info IV that is not hexadecimal");
        }
        if (iv.Length != (tripleDes ? 8 : 16))
            throw new ClientCertificateException($"{source} has a DEK-Info IV of {iv.Length} bytes; {cipherName} needs {(tripleDes ? 8 : 16)}");

        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        byte[] key = BytesToKey(password, iv.AsSpan(0, 8), keySize);
        try
        {
            return CbcDecryption.Decrypt(tripleDes, key, iv, block.Content);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(password);
        }
    }

    /// <summary>EVP_BytesToKey with MD5 and one round: D_i = MD5(D_(i-1) || password || salt), concatenated.</summary>
    private static byte[] BytesToKey(byte[] password, ReadOnlySpan<byte> salt, int size)
    {
        byte[] key = new byte[size];
        byte[] input = new byte[MD5.HashSizeInBytes + password.Length + salt.Length];
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        int previous = 0;
        try
        {
            for (int filled = 0; filled < size;)
            {
                digest[..previous].CopyTo(input);
                password.CopyTo(input, previous);
                salt.CopyTo(input.AsSpan(previous + password.Length));
                MD5.HashData(input.AsSpan(0, previous + password.Length + salt.Length), digest);
                previous = digest.Length;
                int n = Math.Min(digest.Length, size - filled);
                digest[..n].CopyTo(key.AsSpan(filled));
                filled += n;
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(digest);
        }
    }
}

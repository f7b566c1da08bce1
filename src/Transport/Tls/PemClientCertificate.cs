using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Utilities.IO.Pem;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>A client certificate with its private key, and the intermediate CA certificates to send with it, loaded
/// from PEM files as AWS IoT and Mosquitto hand them out.</summary>
public sealed class PemClientCertificate : IDisposable
{
    private PemClientCertificate(X509Certificate2 certificate, X509Certificate2Collection chain)
    {
        Certificate = certificate;
        Chain = chain;
    }

    /// <summary>The client (leaf) certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The other certificates of the certificate file (intermediate CAs), in file order; may be empty.</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>Loads a certificate (optionally followed or preceded by its chain) and its private key.</summary>
    /// <param name="certificatePath">PEM file with one or more <c>CERTIFICATE</c> blocks. The leaf is the certificate
    /// whose public key matches the private key, wherever it stands in the file.</param>
    /// <param name="privateKeyPath">PEM file with an RSA or EC private key: PKCS#1 (<c>RSA PRIVATE KEY</c>), SEC1
    /// (<c>EC PRIVATE KEY</c>), PKCS#8 (<c>PRIVATE KEY</c>), encrypted PKCS#8 (<c>ENCRYPTED PRIVATE KEY</c>) or
    /// legacy OpenSSL encryption (<c>Proc-Type: 4,ENCRYPTED</c>). May be the same file as the certificate.</param>
    /// <param name="passphrase">The passphrase of an encrypted key; ignored for a plain key.</param>
    /// <exception cref="ClientCertificateException">A file is missing, is a directory or cannot be read; it holds no
    /// certificate or no key; the key is encrypted and no passphrase was given, or the passphrase is wrong; the key type
    /// is not RSA or EC; or the key belongs to none of the certificates (the message names both files).</exception>
    public static PemClientCertificate Load(string certificatePath, string privateKeyPath, string? passphrase)
    {
        ArgumentNullException.ThrowIfNull(certificatePath);
        ArgumentNullException.ThrowIfNull(privateKeyPath);
        return Load(Source.File("certificate file", certificatePath), Source.File("private key file", privateKeyPath), passphrase);
    }

    /// <summary>Loads the client certificate that <paramref name="options"/> names: each of the certificate and the key
    /// from its path, or else from its PEM text (<see cref="TlsOptions.ClientCertificatePem"/>, <see cref="TlsOptions.PrivateKeyPem"/>).</summary>
    /// <exception cref="ClientCertificateException">As for the file form; also when the certificate or the key is missing.
    /// Messages name files by path and inline PEM as "inline certificate"/"inline private key", never quoting key material.</exception>
    public static PemClientCertificate Load(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = options.ClientCertificatePath is { } cp ? Source.File("certificate file", cp)
            : options.ClientCertificatePem is { } ct ? Source.Inline("inline certificate", ct)
            : throw new ClientCertificateException(options.PrivateKeyPath is { } keyPath
                ? $"a private key file ({keyPath}) was given without a client certificate file"
                : "an inline private key was given without a client certificate");
        var key = options.PrivateKeyPath is { } kp ? Source.File("private key file", kp)
            : options.PrivateKeyPem is { } kt ? Source.Inline("inline private key", kt)
            : throw new ClientCertificateException(options.ClientCertificatePath is { } certificatePath
                ? $"a client certificate file ({certificatePath}) was given without its private key file"
                : "an inline client certificate was given without its private key");
        return Load(certificate, key, options.PrivateKeyPassphrase);
    }

    /// <summary>Where PEM text comes from: a file (read when loading) or the text itself; <see cref="Name"/> starts messages.</summary>
    private readonly record struct Source(string Role, string? Path, string? Text)
    {
        public static Source File(string role, string path) => new(role, path, null);
        public static Source Inline(string role, string text) => new(role, null, text);

        public string Name => Path is null ? Role : $"{Role} {Path}";

        public List<PemObject> Blocks()
            => Path is { } path
                ? PemFile.Read(path, Role, static (m, e) => new ClientCertificateException(m, e))
                : PemFile.Parse(Text!, Role, static (m, e) => new ClientCertificateException(m, e));
    }

    private static PemClientCertificate Load(Source certificatePath, Source privateKeyPath, string? passphrase)
    {
        var certificates = ReadCertificates(certificatePath);
        X509Certificate2? leaf = null;
        var chain = new X509Certificate2Collection();
        try
        {
            using var key = ReadKey(privateKeyPath, passphrase);
            foreach (var certificate in certificates)
            {
                if (leaf is null && PublicKeyMatches(certificate, key)) leaf = certificate;
                else chain.Add(certificate);
            }
            if (leaf is null)
            {
                string which = certificates.Count == 1 ? "the certificate" : $"any of the {certificates.Count} certificates";
                throw new ClientCertificateException(
                    $"the private key in {Where(privateKeyPath)} does not match {which} in {Where(certificatePath)} (their public keys differ); check that the two belong together");
            }
            var withKey = key switch
            {
                RSA rsa => leaf.CopyWithPrivateKey(rsa),
                ECDsa ecdsa => leaf.CopyWithPrivateKey(ecdsa),
                _ => throw new InvalidOperationException("PemPrivateKey returns RSA or ECDsa only."),
            };
            leaf.Dispose();
            leaf = null;
            return new PemClientCertificate(ForSslStream(withKey), chain);
        }
        catch
        {
            leaf?.Dispose();
            foreach (var certificate in chain) certificate.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the certificates (and so the private key).</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var certificate in Chain) certificate.Dispose();
    }

    private static List<X509Certificate2> ReadCertificates(Source source)
    {
        var blocks = source.Blocks();
        var certificates = new List<X509Certificate2>();
        foreach (var block in blocks)
        {
            if (block.Type is not ("CERTIFICATE" or "X509 CERTIFICATE" or "TRUSTED CERTIFICATE")) continue;
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(block.Content));
            }
            catch (CryptographicException e)
            {
                foreach (var c in certificates) c.Dispose();
                throw new ClientCertificateException($"{source.Name}: certificate {certificates.Count + 1} cannot be read ({e.Message})", e);
            }
        }
        if (certificates.Count == 0)
        {
            string found = blocks.Count == 0 ? "no PEM blocks" : "only " + string.Join(", ", blocks.Select(b => $"\"{b.Type}\""));
            throw new ClientCertificateException($"{source.Name} holds no certificate (found {found}; expected -----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    private static AsymmetricAlgorithm ReadKey(Source source, string? passphrase)
    {
        var blocks = source.Blocks();
        PemObject? block = blocks.FirstOrDefault(PemPrivateKey.IsPrivateKey);
        if (block is null)
        {
            string found = blocks.Count == 0 ? "no PEM blocks" : "only " + string.Join(", ", blocks.Select(b => $"\"{b.Type}\""));
            throw new ClientCertificateException($"{source.Name} holds no private key (found {found}; expected a -----BEGIN ... PRIVATE KEY----- block)");
        }
        return PemPrivateKey.Decode(block, source.Name, passphrase);
    }

    private static string Where(Source s) => s.Path ?? s.Name;

    private static bool PublicKeyMatches(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        switch (key)
        {
            case RSA rsa:
            {
                using var pub = certificate.GetRSAPublicKey();
                if (pub is null) return false;
                var a = pub.ExportParameters(false);
                var b = rsa.ExportParameters(false);
                return a.Modulus.AsSpan().SequenceEqual(b.Modulus) && a.Exponent.AsSpan().SequenceEqual(b.Exponent);
            }
            case ECDsa ecdsa:
            {
                using var pub = certificate.GetECDsaPublicKey();
                if (pub is null) return false;
                var a = pub.ExportParameters(false);
                var b = ecdsa.ExportParameters(false);
                return a.Q.X.AsSpan().SequenceEqual(b.Q.X) && a.Q.Y.AsSpan().SequenceEqual(b.Q.Y);
            }
            default:
                return false;
        }
    }

    private static X509Certificate2 ForSslStream(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows()) return certificate;
        // Windows' SChannel refuses client authentication with an ephemeral (in-memory) key such as CopyWithPrivateKey
        // makes; a PKCS#12 round trip puts the key in a key container SChannel can use. Linux (OpenSSL) needs no copy.
        using (certificate)
        {
            byte[] pfx = certificate.Export(X509ContentType.Pkcs12);
            try
            {
                return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.DefaultKeySet);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pfx);
            }
        }
    }
}

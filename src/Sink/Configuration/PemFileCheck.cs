using System.Text;

namespace ZeroDepMqtt.Sink.Configuration;

/// <summary>
/// Checks that a TLS file option names a readable, small PEM file of the right kind, without parsing keys
/// (Transport does that) and without ever echoing the file's content.
/// </summary>
internal static class PemFileCheck
{
    private const string BeginCertificate = "-----BEGIN CERTIFICATE-----";
    private static readonly string[] KeyHeaders =
        ["-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN ENCRYPTED PRIVATE KEY-----"];

    /// <summary>The result of a check: the absolute path, and for a key whether it is encrypted.</summary>
    public readonly record struct Checked(string FullPath, bool Encrypted);

    /// <summary>Checks the file; null after adding a problem.</summary>
    public static Checked? Check(string option, string given, PemKind kind, ConfigContext context, ProblemList problems)
    {
        string? full = BoundedFile.FullPath(option, given, context, problems);
        if (full is null) return null;
        string expected = kind switch
        {
            PemKind.ClientCertificate => "a PEM certificate file",
            PemKind.PrivateKey => "a PEM private key file",
            _ => "a PEM file of CA certificates",
        };
        byte[]? bytes = BoundedFile.Read(option, given, full, expected, context, problems);
        if (bytes is null) return null;
        return CheckContent(option, $"\"{given}\"", full, bytes, kind, problems);
    }

    /// <summary>Checks PEM content: from a file (<paramref name="subject"/> is its quoted name) or an inline option
    /// (<c>certificationRaw</c>...: the subject says "the decoded value"). Null after adding a problem.</summary>
    public static Checked? CheckContent(string option, string subject, string full, byte[] bytes, PemKind kind, ProblemList problems)
    {
        if (bytes.Length == 0) { problems.Error(option, $"{subject} is empty; expected PEM text"); return null; }
        // Latin-1 maps every byte to one char, so markers are found whatever else the file holds.
        string text = Encoding.Latin1.GetString(bytes);
        if (!text.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            string hint = bytes[0] == 0x30
                ? " it looks like DER (binary); convert it with openssl (x509 or pkey) -inform der -outform pem"
                : " it has no \"-----BEGIN\" line";
            problems.Error(option, $"{subject} is not a PEM file:{hint}");
            return null;
        }
        bool hasCertificate = text.Contains(BeginCertificate, StringComparison.Ordinal);
        bool hasKey = Array.Exists(KeyHeaders, h => text.Contains(h, StringComparison.Ordinal));
        if (kind == PemKind.PrivateKey)
        {
            if (hasKey)
            {
                bool encrypted = text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal)
                    || text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal);
                return new Checked(full, encrypted);
            }
            if (text.Contains("-----BEGIN OPENSSH PRIVATE KEY-----", StringComparison.Ordinal))
                problems.Error(option, $"{subject} is an OpenSSH key; expected a PEM key (convert with: ssh-keygen -p -m PEM -f FILE)");
            else if (hasCertificate)
                problems.Error(option, $"{subject} holds a certificate, not a private key; are certificationPath and privateKeyPath swapped?");
            else
                problems.Error(option, $"{subject} holds no private key; expected a \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\" block");
            return null;
        }
        if (hasCertificate)
        {
            // Every certificate block must decode, as the connection will need it to (a CA bundle with garbage
            // between the markers passed the marker check and failed only at connect time).
            try
            {
                var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                certificates.ImportFromPem(text);
                int blocks = CountOf(text, BeginCertificate), decoded = certificates.Count;
                foreach (var certificate in certificates) certificate.Dispose();
                // ImportFromPem skips a block whose base64 does not decode; the connection would miss that certificate.
                if (decoded < blocks) throw new System.Security.Cryptography.CryptographicException($"{blocks - decoded} of {blocks} \"{BeginCertificate}\" block(s) are not valid base64 DER");
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                problems.Error(option, $"{subject} has a certificate block that does not decode ({e.Message.TrimEnd('.')}); re-export the file as PEM");
                return null;
            }
            return new Checked(full, false);
        }
        if (hasKey && kind == PemKind.ClientCertificate)
            problems.Error(option, $"{subject} holds a private key, not a certificate; are certificationPath and privateKeyPath swapped?");
        else
            problems.Error(option, $"{subject} holds no certificate; expected a \"{BeginCertificate}\" block");
        return null;
    }

    private static int CountOf(string text, string marker)
    {
        int count = 0;
        for (int at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}

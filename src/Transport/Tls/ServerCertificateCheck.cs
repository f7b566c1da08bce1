using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>The validation callback of one handshake: it records what was wrong with the server certificate so that
/// the failure can be explained in plain words instead of SslStream's "rejected by the provided callback".</summary>
internal sealed class ServerCertificateCheck(bool insecure)
{
    public SslPolicyErrors Errors { get; private set; }
    public X509ChainStatusFlags ChainStatus { get; private set; }
    public string? Subject { get; private set; }
    public string? Issuer { get; private set; }
    public string? Names { get; private set; }
    public bool Called { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        Called = true;
        Errors = errors;
        if (chain is not null)
            foreach (var status in chain.ChainStatus) ChainStatus |= status.Status;
        if (certificate is X509Certificate2 cert)
        {
            Subject = cert.Subject;
            Issuer = cert.Issuer;
            Names = NamesOf(cert);
        }
        return insecure || errors == SslPolicyErrors.None;
    }

    /// <summary>The failure, when validation rejected the certificate; otherwise null.</summary>
    public TlsHandshakeException? Failure(string host, string? rootCaPath, Exception inner)
    {
        if (!Called || insecure || Errors == SslPolicyErrors.None) return null;
        var parts = new List<string>();
        var failure = TlsFailure.HandshakeFailed;
        if (Errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            parts.Add("the server sent no certificate");
            failure = TlsFailure.NoServerCertificate;
        }
        if (Errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            string statuses = ChainStatus == X509ChainStatusFlags.NoError ? "chain error" : ChainStatus.ToString();
            string trusted = rootCaPath is null ? "the system trust store (set a root CA file for a private CA)" : $"the CA certificates in {rootCaPath} only";
            parts.Add($"server certificate not trusted ({statuses}): {Subject} issued by {Issuer}; trusted roots: {trusted}");
            failure = TlsFailure.UntrustedCertificate;
        }
        if (Errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            parts.Add($"host name mismatch: certificate is for {Names ?? "no names"}, connected to {host}");
            if (failure == TlsFailure.HandshakeFailed) failure = TlsFailure.HostNameMismatch;
        }
        return new TlsHandshakeException($"TLS handshake with {host} failed: {string.Join("; ", parts)}", failure, Errors, ChainStatus, inner);
    }

    private static string NamesOf(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var extension in cert.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.17") continue;
            var san = extension as X509SubjectAlternativeNameExtension ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
            names.AddRange(san.EnumerateDnsNames());
            names.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }
        if (names.Count == 0 && cert.GetNameInfo(X509NameType.DnsName, false) is { Length: > 0 } cn) names.Add(cn);
        return names.Count == 0 ? "no host names" : string.Join(", ", names);
    }
}

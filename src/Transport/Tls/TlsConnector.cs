using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZeroDepMqtt.Transport.Tls;

/// <summary>Secures connected streams with TLS according to a <see cref="TlsOptions"/>. The constructor reads the
/// root CA and client certificate files once, so that a bad file or a key that does not match its certificate is
/// reported before any connection is made; one connector then serves every (re)connect.</summary>
public sealed class TlsConnector : IDisposable
{
    private readonly X509Certificate2Collection? _roots;
    private readonly SslStreamCertificateContext? _clientContext;

    /// <summary>Reads the files that <paramref name="options"/> names.</summary>
    /// <exception cref="ClientCertificateException">The client certificate or key cannot be used (see
    /// <see cref="PemClientCertificate.Load(TlsOptions)"/>), or only one of the two paths is set.</exception>
    /// <exception cref="TlsConfigurationException">The root CA file is missing, unreadable or holds no certificate.</exception>
    public TlsConnector(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        if (options.RootCaPath is { } rootCaPath) _roots = LoadRoots(PemFile.ReadText(rootCaPath, "root CA file", static (m, e) => new TlsConfigurationException(m, e)), $"root CA file {rootCaPath}");
        else if (options.RootCaPem is { } rootCaPem) _roots = LoadRoots(rootCaPem, "inline root CA");
        if (options.HasClientCertificate)
        {
            try
            {
                ClientCertificate = options.LoadClientCertificate();
                // offline: the chain comes from the file; never fetch missing intermediates over the network.
                _clientContext = SslStreamCertificateContext.Create(ClientCertificate!.Certificate, ClientCertificate.Chain, offline: true);
            }
            catch
            {
                DisposeRoots();
                ClientCertificate?.Dispose();
                throw;
            }
        }
    }

    /// <summary>The options this connector was made from.</summary>
    public TlsOptions Options { get; }

    /// <summary>The loaded client certificate and chain, or null when none is configured.</summary>
    public PemClientCertificate? ClientCertificate { get; }

    /// <summary>Runs the TLS handshake over <paramref name="transport"/> (a connected socket stream).</summary>
    /// <param name="transport">The connected stream. The returned <see cref="SslStream"/> owns it; on failure it is disposed.</param>
    /// <param name="host">The host connected to: sent as SNI and checked against the certificate, unless
    /// <see cref="TlsOptions.TargetHost"/> overrides it.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <exception cref="TlsHandshakeException">The handshake failed or timed out; the message says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<SslStream> AuthenticateAsync(Stream transport, string host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentException.ThrowIfNullOrEmpty(host);
        string targetHost = Options.TargetHost ?? host;
        var check = new ServerCertificateCheck(Options.InsecureSkipVerify);
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(CreateSslOptions(targetHost, check), timeout.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new TlsHandshakeException(
                $"TLS handshake with {targetHost} failed: no answer within {Options.HandshakeTimeout.TotalSeconds:0.#} s (is this a TLS port?)", TlsFailure.Timeout);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw check.Failure(targetHost, Options.RootCaPath, e) ?? Explain(targetHost, e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Disposes the loaded certificates.</summary>
    public void Dispose()
    {
        ClientCertificate?.Dispose();
        DisposeRoots();
    }

    private void DisposeRoots()
    {
        if (_roots is null) return;
        foreach (var root in _roots) root.Dispose();
    }

    private SslClientAuthenticationOptions CreateSslOptions(string targetHost, ServerCertificateCheck check)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            RemoteCertificateValidationCallback = check.Validate,
            CertificateRevocationCheckMode = Options.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
            ClientCertificateContext = _clientContext,
            EnabledSslProtocols = Options.EnabledProtocols,
            AllowRenegotiation = Options.AllowRenegotiation,
        };
        if (_roots is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = ssl.CertificateRevocationCheckMode,
            };
            policy.CustomTrustStore.AddRange(_roots);
            ssl.CertificateChainPolicy = policy;
        }
        if (Options.ApplicationProtocols is { Count: > 0 } alpn)
            ssl.ApplicationProtocols = alpn.Select(p => new SslApplicationProtocol(p)).ToList();
        return ssl;
    }

    private static TlsHandshakeException Explain(string host, Exception e)
    {
        // SslStream wraps the reason ("sslv3 alert bad certificate", "certificate required") in generic exceptions.
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        string reason = e is IOException && inner == e
            ? $"the connection closed during the handshake ({e.Message})"
            : inner.Message;
        string hint = reason.Contains("certificate required", StringComparison.OrdinalIgnoreCase)
                   || reason.Contains("bad certificate", StringComparison.OrdinalIgnoreCase)
                   || reason.Contains("unknown ca", StringComparison.OrdinalIgnoreCase)
            ? "; the broker refused the client certificate or requires one"
            : "";
        return new TlsHandshakeException($"TLS handshake with {host} failed: {reason}{hint}", TlsFailure.HandshakeFailed, innerException: e);
    }

    private static X509Certificate2Collection LoadRoots(string text, string source)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new TlsConfigurationException($"{source} holds a certificate that cannot be read ({e.Message})", e);
        }
        if (roots.Count == 0)
            throw new TlsConfigurationException($"{source} holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        return roots;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ZeroDepMqtt.TestSupport;

/// <summary>
/// A TLS server on a free loopback port that plays AWS IoT's port 443: it selects only <c>requiredAlpn</c>, closes any
/// connection that did not negotiate it, and forwards the others byte for byte to a plain broker port. Each handshake's
/// negotiated protocol ("" for none) is recorded in <see cref="Negotiated"/>.
/// </summary>
public sealed class TestTlsFrontend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly string? _requiredAlpn;
    private readonly SslProtocols _protocols;
    private readonly int _forwardPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    /// <summary>Starts listening; <paramref name="requiredAlpn"/> null accepts any or none; <paramref name="protocols"/> limits the TLS versions.</summary>
    public TestTlsFrontend(int forwardPort, string? requiredAlpn, SslProtocols protocols = SslProtocols.None)
    {
        var certs = TestCertificates.Instance;
        _certificate = X509Certificate2.CreateFromPemFile(certs.ServerCertPath, certs.ServerKeyPath);
        _requiredAlpn = requiredAlpn;
        _protocols = protocols;
        _forwardPort = forwardPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The port to connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The ALPN protocol each completed handshake negotiated, "" for none, in order.</summary>
    public ConcurrentQueue<string> Negotiated { get; } = new();

    /// <summary>Handshakes that failed, with the server side's reason.</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                _ = ServeAsync(socket);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                EnabledSslProtocols = _protocols,
                ApplicationProtocols = _requiredAlpn is null ? null : [new SslApplicationProtocol(_requiredAlpn)],
            }, _stop.Token);
        }
        catch (Exception e)
        {
            Failures.Enqueue(e.InnerException?.Message ?? e.Message);
            return;
        }
        string negotiated = ssl.NegotiatedApplicationProtocol.ToString();
        Negotiated.Enqueue(negotiated);
        // As AWS IoT does on 443: without the ALPN that names the authentication, no MQTT.
        if (_requiredAlpn is not null && negotiated != _requiredAlpn) return;
        using var broker = new TcpClient();
        try
        {
            await broker.ConnectAsync(IPAddress.Loopback, _forwardPort, _stop.Token);
            var upstream = broker.GetStream();
            await Pump.BothWaysAsync(ssl, upstream, _stop.Token);
        }
        catch (Exception)
        {
            // Either side closed: the connection ends.
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _certificate.Dispose();
        _stop.Dispose();
    }
}

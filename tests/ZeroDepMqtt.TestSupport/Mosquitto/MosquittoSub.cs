using System.Collections.Concurrent;
using System.Diagnostics;

namespace ZeroDepMqtt.TestSupport;

/// <summary>A message <c>mosquitto_sub</c> received.</summary>
public readonly record struct ReceivedMessage(string Topic, byte[] Payload);

/// <summary>A reference subscriber: <c>mosquitto_sub</c> (package mosquitto-clients) subscribed to a topic filter on a
/// test broker, collecting what it receives. Started only once its SUBACK has arrived, so a publish made after
/// <see cref="StartAsync"/> returns cannot be missed.</summary>
public sealed class MosquittoSub : IAsyncDisposable
{
    /// <summary>Where Debian installs the tool.</summary>
    public const string Executable = "/usr/bin/mosquitto_sub";

    private const string Marker = "=msg= "; // no %, @ or \: -F gives those meaning
    private readonly Process _process;
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly ConcurrentQueue<string> _debug = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _arrived = new(0);

    private MosquittoSub(Process process) => _process = process;

    /// <summary>The messages received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedMessage> Messages => [.. _messages];

    /// <summary>mosquitto_sub's debug output (connect, subscribe, PUBLISH headers), for failure messages.</summary>
    public string DebugLog => string.Join('\n', _debug);

    /// <summary>Subscribes to <paramref name="topicFilter"/> at <paramref name="qos"/>. TLS brokers are reached with
    /// the test root CA; the password broker with <see cref="TestCredentials"/> when <paramref name="withCredentials"/>.</summary>
    /// <param name="clientId">A fixed id; with <paramref name="persistentSession"/> the broker keeps the subscription
    /// (and queues messages) while this subscriber is gone.</param>
    public static async Task<MosquittoSub> StartAsync(MosquittoBroker broker, string topicFilter, int qos = 1,
        string? clientId = null, bool persistentSession = false, bool withCredentials = false, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Executable)) throw new InvalidOperationException($"{Executable} is not installed (apt-get install mosquitto-clients)");
        // stdbuf -oL: to a pipe, mosquitto_sub's stdio buffers its output, and the SUBACK line would come too late.
        var info = new ProcessStartInfo("/usr/bin/stdbuf") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args =
        [
            "-oL", Executable,
            "-h", broker.Host, "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-t", topicFilter, "-q", qos.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", clientId ?? "sub-" + Guid.NewGuid().ToString("N")[..12], "-V", "mqttv311", "-d",
            // Hex payloads keep binary and multi-line payloads on one line; the marker tells them from debug lines.
            "-F", Marker + "%t %x",
        ];
        foreach (var a in args) info.ArgumentList.Add(a);
        if (persistentSession) info.ArgumentList.Add("-c");
        if (broker.UsesTls)
        {
            info.ArgumentList.Add("--cafile");
            info.ArgumentList.Add(TestCertificates.Instance.CaPath);
            if (broker.Options.Tls == MosquittoTls.RequireClientCertificate)
            {
                var client = TestCertificates.Instance.Client("rsa-pkcs8");
                info.ArgumentList.Add("--cert");
                info.ArgumentList.Add(client.CertificatePath);
                info.ArgumentList.Add("--key");
                info.ArgumentList.Add(client.KeyPath);
            }
        }
        if (withCredentials)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(TestCredentials.UserName);
            info.ArgumentList.Add("-P");
            info.ArgumentList.Add(TestCredentials.Password);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        var sub = new MosquittoSub(process);
        process.OutputDataReceived += (_, e) => sub.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => sub.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await sub._subscribed.Task.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            await sub.DisposeAsync();
            throw new InvalidOperationException($"mosquitto_sub did not subscribe to {topicFilter}:\n{sub.DebugLog}", e);
        }
        return sub;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived.</summary>
    /// <exception cref="TimeoutException">Fewer arrived within <paramref name="timeout"/>; the message says how many.</exception>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_messages.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
                throw new TimeoutException($"mosquitto_sub received {_messages.Count} of {count} messages within {timeout.TotalSeconds:0.#} s");
        }
        return Messages;
    }

    /// <summary>Stops mosquitto_sub by process id.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _subscribed.TrySetException(new InvalidOperationException("mosquitto_sub exited"));
            return;
        }
        if (line.StartsWith(Marker, StringComparison.Ordinal))
        {
            string rest = line[Marker.Length..];
            int space = rest.LastIndexOf(' ');
            _messages.Enqueue(new ReceivedMessage(rest[..space], Convert.FromHexString(rest[(space + 1)..])));
            _arrived.Release();
            return;
        }
        _debug.Enqueue(line);
        if (line.Contains("received SUBACK", StringComparison.Ordinal)) _subscribed.TrySetResult();
    }
}

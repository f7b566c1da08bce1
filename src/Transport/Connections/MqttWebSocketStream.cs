using System.Net.WebSockets;

namespace ZeroDepMqtt.Transport.Connections;

/// <summary>
/// The bytes of MQTT over a WebSocket: each write goes out as one binary message; reads return the payload of binary
/// messages as one byte stream, whatever the message boundaries (MQTT-6.0.0-2: the decoder above does not care where a
/// frame ends). A text message ends the connection with an error (MQTT-6.0.0-1); a close message reads as end of stream.
/// </summary>
internal sealed class MqttWebSocketStream(WebSocket socket, Stream transport, string peer) : Stream
{
    private int _disposed;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException e)
            {
                throw new IOException($"WebSocket connection to {peer} failed: {e.Message}", e);
            }
            switch (result.MessageType)
            {
                case WebSocketMessageType.Close:
                    return 0;
                case WebSocketMessageType.Text:
                    throw new IOException($"{peer} sent a text WebSocket message; MQTT travels only in binary messages (MQTT-6.0.0-1), so the connection is closed");
                default:
                    // An empty binary frame carries no bytes; 0 would read as end of stream, so wait for more.
                    if (result.Count > 0 || buffer.Length == 0) return result.Count;
                    break;
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await socket.SendAsync(buffer, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException e)
        {
            throw new IOException($"WebSocket connection to {peer} failed: {e.Message}", e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // No close handshake: the client ends connections after DISCONNECT or on error, and MQTT says when it is done.
            socket.Abort();
            socket.Dispose();
            transport.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            socket.Abort();
            socket.Dispose();
            await transport.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }
}

using System.IO.Pipelines;
using ZeroDepMqtt.Protocol.Session;

namespace ZeroDepMqtt.Transport;

public sealed partial class MqttClient
{
    // Bytes encoded but not yet handed to the socket, above which encoding pauses (the session queue holds the
    // rest and PublishAsync waits when that is full). Each pump encodes publishes only up to it (plus one packet),
    // so a burst of large messages cannot overshoot it. 128 KiB is 8 pipe segments: enough to fill large socket
    // writes, few enough that the shared array pool keeps them all, so a steady stream allocates nothing.
    private const int OutputHighWater = 128 * 1024;

    // Above the high-water mark only control packets (acks, PUBREL, PINGREQ, DISCONNECT) are still encoded, up to this
    // many more bytes: they never starve behind data, and a broker that stops reading cannot make them grow unbounded.
    private const int ControlBudget = 64 * 1024;

    private const int SmallBatch = 4 * 1024;
    private Pipe? _output;                              // this connection's outgoing bytes; null while disconnected
    private long _outputPending;

    private static Pipe CreateOutputPipe() => new(new PipeOptions(
        pauseWriterThreshold: 0,                        // never blocks: the high-water mark above bounds it instead
        resumeWriterThreshold: 0,
        minimumSegmentSize: 16 * 1024,                  // large segments: one socket write carries many small packets
        writerScheduler: PipeScheduler.Inline,
        readerScheduler: PipeScheduler.ThreadPool,
        useSynchronizationContext: false));

    /// <summary>
    /// Encodes everything the session has due straight into the output pipe and makes it visible to the send loop.
    /// Called under the lock by whoever changed the session (a publisher, the read loop, the timer, the send loop),
    /// so a burst is encoded by its callers and leaves in as few socket writes as the send loop can gather.
    /// </summary>
    private void PumpLocked()
    {
        if (_output is not { } output) return;
        var writer = output.Writer;
        int written;
        if (_outputPending < OutputHighWater) written = _session.HasOutgoing ? _session.WriteOutgoing(writer, Now, OutputHighWater - _outputPending) : 0;
        else if (_outputPending < OutputHighWater + ControlBudget) written = _session.HasControlOutgoing ? _session.WriteControlOutgoing(writer, Now) : 0;
        else return;
        if (written == 0) return;
        _outputPending += writer.UnflushedBytes;
        // No pause threshold, so this completes synchronously; the send loop wakes if it was waiting.
        _ = writer.FlushAsync();
        // Nothing may follow DISCONNECT (MQTT-3.14.4-2): completing the writer ends the send loop after it.
        if (_session.State == SessionState.Disconnecting)
        {
            writer.Complete();
            _output = null;
        }
        DispatchSessionEventsLocked();
    }

    /// <summary>The one sender: takes whatever has gathered in the output pipe and writes it to the socket.</summary>
    private async Task<CloseOutcome> SendLoopAsync(PipeReader output, Stream stream, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var result = await output.ReadAsync(ct).ConfigureAwait(false);
                if (result.Buffer.Length < SmallBatch && !result.IsCompleted)
                {
                    // A small batch while acks stream in: give the read loop and publishers one turn to add to it,
                    // so one socket write carries more packets (fewer syscalls per message).
                    output.AdvanceTo(result.Buffer.Start);
                    await Task.Yield();
                    if (!output.TryRead(out result)) result = await output.ReadAsync(ct).ConfigureAwait(false);
                }
                var buffer = result.Buffer;
                // Read the length now: after AdvanceTo the pipe recycles the segments this sequence points at.
                long length = buffer.Length;
                foreach (var segment in buffer) await stream.WriteAsync(segment, ct).ConfigureAwait(false);
                if (length > 0) _metrics.OnFlushed();
                output.AdvanceTo(buffer.End);
                lock (_gate)
                {
                    _outputPending -= length;
                    PumpLocked();   // room again below the high-water mark: encode what waited
                }
                if (result.IsCompleted)
                {
                    // The writer completes only after DISCONNECT (MQTT-3.14.4-1: the caller then closes the socket).
                    return new CloseOutcome(MqttCloseReason.ClientDisconnected, null);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new CloseOutcome(MqttCloseReason.None, null);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return new CloseOutcome(MqttCloseReason.NetworkError, new MqttClientException(MqttCloseReason.NetworkError, $"writing to {CurrentBroker} failed: {e.Message}", e));
        }
        catch (InvalidOperationException) when (ct.IsCancellationRequested)
        {
            return new CloseOutcome(MqttCloseReason.None, null);   // the pipe was completed during teardown
        }
        catch (Exception e)
        {
            return InternalError(e);
        }
    }
}

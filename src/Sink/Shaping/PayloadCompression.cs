using System.IO.Compression;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>The <c>compression</c> option: zlib (RFC 1950), gzip (RFC 1952) or raw flate (RFC 1951), all from
/// System.IO.Compression. zstd is named by eKuiper but .NET 10's base library has no Zstandard codec.</summary>
internal enum PayloadCompression { None, Zlib, Gzip, Flate }

internal static class PayloadCompressor
{
    public static readonly string[] Names = ["zlib", "gzip", "flate"];

    /// <summary>The compressed bytes, in a new array (the publish owns it until acknowledged).</summary>
    public static byte[] Compress(PayloadCompression kind, ReadOnlySpan<byte> payload)
    {
        var output = new MemoryStream(Math.Max(64, payload.Length / 2));
        using (Stream z = kind switch
        {
            PayloadCompression.Zlib => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
            PayloadCompression.Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            _ => new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true),
        })
        {
            z.Write(payload);
        }
        return output.ToArray();
    }
}

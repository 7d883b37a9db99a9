namespace AutoRemediate.Testing;

/// <summary>
/// A read-only stream of deterministic pseudo-random bytes that is never held in memory; optionally
/// breaks (throws <see cref="IOException"/>) after a number of bytes, like a dropped connection.
/// </summary>
public sealed class GeneratedStream(long length, int seed = 1, long? breakAfter = null) : Stream
{
    private readonly byte[] _pattern = Pattern(seed);
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 (hex) the full content has.</summary>
    public static string Sha256Of(long length, int seed = 1)
    {
        using var stream = new GeneratedStream(length, seed);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (breakAfter is { } limit && _position >= limit)
        {
            throw new IOException("The connection was closed mid-way (simulated).");
        }

        var remaining = length - _position;
        if (breakAfter is { } stop)
        {
            remaining = Math.Min(remaining, stop - _position);
        }

        var count = (int)Math.Min(buffer.Length, remaining);
        for (var i = 0; i < count; i++)
        {
            var at = _position + i;
            buffer[i] = (byte)(_pattern[at % _pattern.Length] ^ (byte)(at / _pattern.Length));
        }

        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static byte[] Pattern(int seed)
    {
        var pattern = new byte[65_521];
        new Random(seed).NextBytes(pattern);
        return pattern;
    }
}

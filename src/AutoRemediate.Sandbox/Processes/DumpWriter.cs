using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AutoRemediate.Sandbox.Processes;

/// <summary>
/// What to stream for one dump request. <paramref name="Signature"/> opens the first block ("MDMP" for
/// a Windows minidump, ELF for a Linux core dump); <paramref name="ZipEntryName"/> wraps the dump in a
/// zip (Kudu's <c>format=zip</c>); <paramref name="BreakAfterBytes"/> cuts the connection after that
/// many bytes of the response (fault injection).
/// </summary>
internal sealed record DumpPlan(
    long Size,
    int Seed,
    byte[] Signature,
    string ContentType,
    string FileName,
    string? ZipEntryName,
    long? BreakAfterBytes,
    DateTimeOffset Now);

/// <summary>
/// Writes a generated process dump straight to the response: deterministic pseudo-random 64 KiB blocks
/// derived from the pid, each stamped with its block number, written 1 MiB at a time from one pooled
/// buffer. Nothing is held in memory, so a dump of several GiB costs the same memory as one of 1 MiB.
/// </summary>
internal static class DumpWriter
{
    public const long DefaultSizeBytes = 64L * 1024 * 1024;
    private const int BlockSize = 64 * 1024;
    private const int ChunkSize = 16 * BlockSize;
    private const int LocalHeaderSize = 30;
    private const int DataDescriptorSize = 16;
    private const int CentralHeaderSize = 46;
    private const int EndOfCentralDirectorySize = 22;

    private static readonly TimeSpan s_breakGrace = TimeSpan.FromMilliseconds(300);

    public static readonly byte[] MinidumpSignature = [(byte)'M', (byte)'D', (byte)'M', (byte)'P', 0x93, 0xA7, 0x00, 0x00];

    public static readonly byte[] ElfSignature = [0x7F, (byte)'E', (byte)'L', (byte)'F', 0x02, 0x01, 0x01, 0x00];

    /// <summary>Bytes on the wire: the dump, or the dump in a one-entry stored zip (no zip64: under 4 GiB).</summary>
    public static long ContentLength(DumpPlan plan) => plan.ZipEntryName is null
        ? plan.Size
        : plan.Size + LocalHeaderSize + DataDescriptorSize + CentralHeaderSize + EndOfCentralDirectorySize + (2L * Encoding.UTF8.GetByteCount(plan.ZipEntryName));

    /// <summary>A seed that is the same in every run for the same process.</summary>
    public static int Seed(string key) => BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static bool FitsInZip(DumpPlan plan) => ContentLength(plan) < uint.MaxValue;

    public static async Task WriteAsync(HttpContext context, DumpPlan plan)
    {
        var response = context.Response;
        var total = ContentLength(plan);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = plan.ContentType;
        response.ContentLength = total;
        response.Headers.ContentDisposition = $"attachment; filename=\"{plan.FileName}\"";
        var cancellationToken = context.RequestAborted;
        var body = plan.BreakAfterBytes is long limit && limit < total ? new BreakingStream(response.Body, Math.Max(0, limit)) : response.Body;
        try
        {
            if (plan.ZipEntryName is null)
            {
                await WriteDumpAsync(body, plan, crc: null, cancellationToken);
            }
            else
            {
                await WriteZipAsync(body, plan, cancellationToken);
            }
        }
        catch (DumpBrokenException)
        {
            // The fault asked for a broken stream: the client gets the bytes so far, then the connection drops.
            // Aborting discards whatever Kestrel has not sent yet, so give the flushed bytes a moment to leave.
            await Task.Delay(s_breakGrace, CancellationToken.None);
            context.Abort();
        }
    }

    private static async Task WriteDumpAsync(Stream body, DumpPlan plan, Crc32? crc, CancellationToken cancellationToken)
    {
        var template = Template(plan.Seed);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long written = 0;
            long block = 0;
            while (written < plan.Size)
            {
                var filled = 0;
                while (filled < ChunkSize && written + filled < plan.Size)
                {
                    var slice = buffer.AsSpan(filled, BlockSize);
                    template.CopyTo(slice);
                    BinaryPrimitives.WriteInt64LittleEndian(slice[8..], block);
                    if (block == 0)
                    {
                        plan.Signature.CopyTo(slice);
                    }

                    filled += BlockSize;
                    block++;
                }

                var count = (int)Math.Min(filled, plan.Size - written);
                crc?.Append(buffer.AsSpan(0, count));
                await body.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
                written += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A stored (uncompressed) single-entry zip with a data descriptor, so the CRC is written after the data
    // it is computed over and nothing needs buffering.
    private static async Task WriteZipAsync(Stream body, DumpPlan plan, CancellationToken cancellationToken)
    {
        var name = Encoding.UTF8.GetBytes(plan.ZipEntryName!);
        var (dosTime, dosDate) = DosDateTime(plan.Now);
        var size = (uint)plan.Size;

        var local = new byte[LocalHeaderSize + name.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(6), 0x0008);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(10), dosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(12), dosDate);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(26), (ushort)name.Length);
        name.CopyTo(local, LocalHeaderSize);
        await body.WriteAsync(local, cancellationToken);

        var crc = new Crc32();
        await WriteDumpAsync(body, plan, crc, cancellationToken);

        var descriptor = new byte[DataDescriptorSize];
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor, 0x08074b50);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(4), crc.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(8), size);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(12), size);

        var central = new byte[CentralHeaderSize + name.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(central, 0x02014b50);
        BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(6), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(8), 0x0008);
        BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(12), dosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(14), dosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(central.AsSpan(16), crc.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(central.AsSpan(20), size);
        BinaryPrimitives.WriteUInt32LittleEndian(central.AsSpan(24), size);
        BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(28), (ushort)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(central.AsSpan(42), 0);
        name.CopyTo(central, CentralHeaderSize);

        var centralOffset = (uint)(local.Length + plan.Size + DataDescriptorSize);
        var end = new byte[EndOfCentralDirectorySize];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)central.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), centralOffset);

        await body.WriteAsync(descriptor, cancellationToken);
        await body.WriteAsync(central, cancellationToken);
        await body.WriteAsync(end, cancellationToken);
    }

    private static byte[] Template(int seed)
    {
        var block = new byte[BlockSize];
        var state = 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed;
        for (var i = 0; i < BlockSize; i += 8)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(i), state);
        }

        return block;
    }

    private static (ushort Time, ushort Date) DosDateTime(DateTimeOffset now)
    {
        var t = now.UtcDateTime;
        var year = Math.Clamp(t.Year, 1980, 2107);
        return ((ushort)((t.Hour << 11) | (t.Minute << 5) | (t.Second / 2)), (ushort)(((year - 1980) << 9) | (t.Month << 5) | t.Day));
    }

    private sealed class DumpBrokenException : Exception
    {
    }

    /// <summary>Passes writes through up to a byte limit, then flushes and signals the break.</summary>
    private sealed class BreakingStream : Stream
    {
        private readonly Stream _inner;
        private readonly long _limit;
        private long _written;

        public BreakingStream(Stream inner, long limit)
        {
            _inner = inner;
            _limit = limit;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var allowed = (int)Math.Min(buffer.Length, _limit - _written);
            if (allowed > 0)
            {
                await _inner.WriteAsync(buffer[..allowed], cancellationToken);
                _written += allowed;
            }

            if (allowed < buffer.Length)
            {
                await _inner.FlushAsync(cancellationToken);
                throw new DumpBrokenException();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush() => throw new NotSupportedException();

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>CRC-32 (IEEE, as zip uses), table-driven.</summary>
    private sealed class Crc32
    {
        private static readonly uint[] s_table = CreateTable();
        private uint _crc = 0xFFFFFFFF;

        public uint Value => ~_crc;

        public void Append(ReadOnlySpan<byte> data)
        {
            var crc = _crc;
            foreach (var b in data)
            {
                crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            _crc = crc;
        }

        private static uint[] CreateTable()
        {
            var table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }

                table[i] = c;
            }

            return table;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AutoRemediate.Azure;
using AutoRemediate.DevHost;
using AutoRemediate.Evidence;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

/// <summary>
/// A process dump of the given size, three ways in the same run against the same Sandbox and Azurite:
/// (a) raw read: the Sandbox's ARM dump route read to nowhere through the real AppServiceClient;
/// (b) upload alone: the same number of bytes from memory into Azurite through the real DumpUploader
/// (same block size and blocks in flight); (c) the pipeline: the ARM dump streamed by the real
/// AppServiceClient into Azurite through the real DumpUploader. Prints each throughput, the limit
/// (the slower of (a) and (b)), the pipeline against the limit and against the raw read, and this
/// process's peak working set above its idle level during the pipeline (sampled every 50 ms).
/// </summary>
internal static class DumpBenchmark
{
    private const double MiB = 1024 * 1024;

    public static async Task<int> RunAsync(DevHostRunner host, long mebibytes)
    {
        var bytes = mebibytes * 1024 * 1024;
        var site = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
        var client = host.Services.GetRequiredService<IAppServiceClient>();
        var uploader = host.Services.GetRequiredService<DumpUploader>();
        var evidence = host.Services.GetRequiredService<IOptions<EvidenceOptions>>().Value;
        var blobs = host.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(evidence.DumpsContainer);
        var instance = (await client.ListInstancesAsync(site))[0].InstanceId;

        // Tell the Sandbox how big the dumps are (fault injection's dump size override): one for the
        // raw read, one for the pipeline.
        using var sandbox = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } }) { BaseAddress = host.SandboxAddress };
        using (var fault = await sandbox.PostAsJsonAsync("/sandbox/faults", new { pathContains = "/dump", dumpSizeBytes = bytes, times = 2 }))
        {
            fault.EnsureSuccessStatusCode();
        }

        // Idle: this process (DevHost, Sandbox, uploader) before any dump moved; sampled every 50 ms from here.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var idle = self.WorkingSet64;
        var peak = idle;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                await Task.Delay(50);
            }
        });

        // (a) raw read to nowhere.
        var raw = Stopwatch.StartNew();
        long rawBytes;
        await using (var dump = await client.GetProcessDumpAsync(site, instance, 1))
        {
            var counter = new CountingNullStream();
            await dump.CopyToAsync(counter, 1024 * 1024);
            rawBytes = counter.Written;
        }

        raw.Stop();

        // (b) the same number of bytes from memory into the same Azurite, same uploader path.
        var uploadName = $"bench/{Guid.NewGuid():N}-memory.dmp";
        var upload = Stopwatch.StartNew();
        var uploaded = await uploader.UploadAsync(uploadName, _ => Task.FromResult<Stream>(new RepeatedStream(bytes)), long.MaxValue);
        upload.Stop();
        // In-memory Azurite: free the bytes before the next phase.
        await blobs.DeleteBlobIfExistsAsync(uploadName);

        // (c) the pipeline. Its peak counts from the idle level before (a): buffers the pool kept
        // from (b) are part of it.
        peak = idle;

        var pipelineName = $"bench/{Guid.NewGuid():N}.dmp";
        var watch = Stopwatch.StartNew();
        var result = await uploader.UploadAsync(pipelineName, ct => client.GetProcessDumpAsync(site, instance, 1, ct), long.MaxValue);
        watch.Stop();
        await sampling.CancelAsync();
        await sampler;
        await blobs.DeleteBlobIfExistsAsync(pipelineName);

        var rawRate = rawBytes / MiB / raw.Elapsed.TotalSeconds;
        var uploadRate = uploaded.Bytes / MiB / upload.Elapsed.TotalSeconds;
        var pipelineRate = result.Bytes / MiB / watch.Elapsed.TotalSeconds;
        var limit = Math.Min(rawRate, uploadRate);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT dump bytes={result.Bytes} blockMiB={evidence.BlockSizeBytes / MiB:0} inFlight={evidence.MaxBlocksInFlight} " +
            $"rawRead={rawRate:0.0}MiB/s ({raw.Elapsed.TotalSeconds:0.0}s) uploadAlone={uploadRate:0.0}MiB/s ({upload.Elapsed.TotalSeconds:0.0}s) " +
            $"pipeline={pipelineRate:0.0}MiB/s ({watch.Elapsed.TotalSeconds:0.0}s) limit={limit:0.0}MiB/s ({(rawRate <= uploadRate ? "raw read" : "upload")}) " +
            $"pipeline/limit={pipelineRate / limit:P0} pipeline/rawRead={pipelineRate / rawRate:P0} " +
            $"idleMiB={idle / MiB:0} peakMiB={peak / MiB:0} aboveIdleMiB={(peak - idle) / MiB:0} attempts={result.Attempts} sha256={result.Sha256[..16]}…"));
        return result.Bytes == bytes && rawBytes == bytes && uploaded.Bytes == bytes ? 0 : 1;
    }

    // Writes go nowhere; only their size is kept.
    private sealed class CountingNullStream : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }

    // The given number of bytes from memory: one 1 MiB pattern repeated, so nothing is generated while read.
    private sealed class RepeatedStream(long length) : Stream
    {
        private static readonly byte[] s_pattern = Pattern();
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var offset = (int)(_position % s_pattern.Length);
            var count = (int)Math.Min(Math.Min(buffer.Length, s_pattern.Length - offset), length - _position);
            s_pattern.AsSpan(offset, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static byte[] Pattern()
        {
            var pattern = new byte[1024 * 1024];
            new Random(15).NextBytes(pattern);
            return pattern;
        }
    }
}

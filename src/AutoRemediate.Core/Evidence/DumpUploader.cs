using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Evidence;

/// <summary>A dump that is stored, complete, with its hash.</summary>
/// <param name="BlobUri">Where it is.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Hex SHA-256 of the content (also in the blob's metadata).</param>
/// <param name="Attempts">How many times the source stream was opened.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="AlreadyStored">True when an earlier run had stored it (idempotent re-run).</param>
public sealed record DumpUploadResult(Uri BlobUri, long Bytes, string Sha256, int Attempts, TimeSpan Duration, bool AlreadyStored);

/// <summary>The dump was larger than the budget allowed; nothing was stored.</summary>
public sealed class DumpTooLargeException : Exception
{
    /// <summary>Creates the exception for a budget of <paramref name="limitBytes"/>.</summary>
    public DumpTooLargeException(long limitBytes)
        : base($"The dump exceeded the budget of {limitBytes:N0} bytes; nothing was stored.")
    {
        LimitBytes = limitBytes;
    }

    /// <summary>The budget that was exceeded.</summary>
    public long LimitBytes { get; }
}

/// <summary>
/// Streams a process dump into a block blob without holding it in memory. The source is read in
/// order, one block at a time, into a small fixed set of pooled buffers; each block is hashed
/// (SHA-256, incrementally, in order) and then staged while the next one is read, with at most
/// <see cref="EvidenceOptions.MaxBlocksInFlight"/> stagings at once, so the upload holds at most
/// that many blocks plus the one being read. The block list is committed, in order, only once the
/// whole stream was read and every block was staged, with the hash and size in the metadata. A blob
/// therefore exists only when it is complete — a stream that breaks mid-way or a staging that fails
/// leaves only uncommitted blocks (which Storage discards) and is fetched again from the start, up to
/// <see cref="EvidenceOptions.MaxAttempts"/> times.
/// </summary>
public sealed class DumpUploader
{
    /// <summary>Metadata key of the content hash.</summary>
    public const string Sha256Metadata = "sha256";

    /// <summary>Metadata key of the content length.</summary>
    public const string LengthMetadata = "length";

    private readonly BlobServiceClient _blobs;
    private readonly EvidenceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DumpUploader> _logger;
    private readonly ArrayPool<byte> _buffers;

    /// <summary>Creates the uploader.</summary>
    public DumpUploader(BlobServiceClient blobs, IOptions<EvidenceOptions> options, TimeProvider time, ILogger<DumpUploader> logger)
        : this(blobs, options, time, logger, ArrayPool<byte>.Shared)
    {
    }

    // Tests pass a pool that counts what is rented and returned.
    internal DumpUploader(BlobServiceClient blobs, IOptions<EvidenceOptions> options, TimeProvider time, ILogger<DumpUploader> logger, ArrayPool<byte> buffers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _blobs = blobs;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _buffers = buffers;
    }

    /// <summary>
    /// Stores the stream <paramref name="openSource"/> opens under <paramref name="blobName"/> in the dumps
    /// container. Idempotent: when a complete blob of that name exists it is returned as is.
    /// </summary>
    /// <exception cref="DumpTooLargeException">Over <paramref name="maxBytes"/>.</exception>
    public async Task<DumpUploadResult> UploadAsync(string blobName, Func<CancellationToken, Task<Stream>> openSource, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(blobName);
        ArgumentNullException.ThrowIfNull(openSource);
        var started = _time.GetTimestamp();
        var container = _blobs.GetBlobContainerClient(_options.DumpsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var blob = container.GetBlockBlobClient(blobName);

        var existing = await TryGetCompleteAsync(blob, cancellationToken).ConfigureAwait(false);
        if (existing is { } done)
        {
            return new DumpUploadResult(blob.Uri, done.Length, done.Sha256, 0, _time.GetElapsedTime(started), AlreadyStored: true);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (length, sha256) = await UploadOnceAsync(blob, openSource, maxBytes, attempt, cancellationToken).ConfigureAwait(false);
                Log.DumpStored(_logger, blob.Name, length, attempt);
                return new DumpUploadResult(blob.Uri, length, sha256, attempt, _time.GetElapsedTime(started), AlreadyStored: false);
            }
            catch (Exception ex) when (attempt < _options.MaxAttempts && IsBrokenSource(ex) && !cancellationToken.IsCancellationRequested)
            {
                Log.DumpStreamBroke(_logger, blob.Name, attempt, ex.GetType().Name);
            }
        }
    }

    private async Task<(long Length, string Sha256)> UploadOnceAsync(BlockBlobClient blob, Func<CancellationToken, Task<Stream>> openSource, long maxBytes, int attempt, CancellationToken cancellationToken)
    {
        var blockSize = _options.BlockSizeBytes;
        var inFlightLimit = _options.MaxBlocksInFlight;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Cancelled by the caller or by the first staging that fails: the reader and the other
        // stagings stop instead of moving bytes that can no longer be committed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(inFlightLimit, inFlightLimit);
        // Buffers come back here when their block is staged; at most inFlightLimit + 1 are ever rented
        // (one per staging plus the one being filled), because a slot is taken before each staging.
        var free = new ConcurrentBag<byte[]>();
        var rented = new List<byte[]>();
        var stagings = new List<Task>();
        var blockIds = new List<string>();
        long total = 0;
        try
        {
            await using var source = await openSource(stop.Token).ConfigureAwait(false);
            while (true)
            {
                if (!free.TryTake(out var buffer))
                {
                    buffer = _buffers.Rent(blockSize);
                    rented.Add(buffer);
                }

                var filled = await FillAsync(source, buffer, blockSize, stop.Token).ConfigureAwait(false);
                if (filled == 0)
                {
                    free.Add(buffer);
                    break;
                }

                total += filled;
                if (total > maxBytes)
                {
                    throw new DumpTooLargeException(maxBytes);
                }

                // In order, before the block leaves: the hash is that of the bytes as read.
                hash.AppendData(buffer, 0, filled);
                // Block ids are unique per attempt, so a retry never mixes in blocks of a broken stream.
                var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"a{attempt:D2}-b{blockIds.Count:D6}"));
                blockIds.Add(id);
                await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                stagings.Add(StageAsync(blob, id, buffer, filled, slots, free, stop));
            }

            await Task.WhenAll(stagings).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Every staging must be over before its buffer goes back to the pool.
            await Task.WhenAll(stagings).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            // The reader sees its own stop as a cancellation; the cause is the staging that failed.
            var cause = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? stagings.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).FirstOrDefault(e => e is not OperationCanceledException)
                : null;
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
        finally
        {
            foreach (var buffer in rented)
            {
                _buffers.Return(buffer);
            }
        }

        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        await blob.CommitBlockListAsync(blockIds, new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
            Metadata = new Dictionary<string, string>
            {
                [Sha256Metadata] = sha256,
                [LengthMetadata] = total.ToString(CultureInfo.InvariantCulture),
            },
        }, cancellationToken).ConfigureAwait(false);
        return (total, sha256);
    }

    private static async Task StageAsync(BlockBlobClient blob, string id, byte[] buffer, int length, SemaphoreSlim slots, ConcurrentBag<byte[]> free, CancellationTokenSource stop)
    {
        try
        {
            using var block = new MemoryStream(buffer, 0, length, writable: false);
            await blob.StageBlockAsync(id, block, cancellationToken: stop.Token).ConfigureAwait(false);
        }
        catch (Exception) when (!stop.IsCancellationRequested)
        {
            // The upload cannot complete: stop reading and staging (the reader reports this exception).
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            // The buffer first, then the slot: whoever takes the slot may need a free buffer next.
            free.Add(buffer);
            slots.Release();
        }
    }

    private static async Task<int> FillAsync(Stream source, byte[] buffer, int size, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < size)
        {
            var read = await source.ReadAsync(buffer.AsMemory(filled, size - filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private static async Task<(long Length, string Sha256)?> TryGetCompleteAsync(BlockBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.Metadata.TryGetValue(Sha256Metadata, out var sha) ? (properties.Value.ContentLength, sha) : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    // A source that breaks mid-way: the connection dropped or the server failed. Storage failures
    // and a dump over budget are not retried here.
    private static bool IsBrokenSource(Exception ex) =>
        ex is IOException or HttpRequestException or OperationCanceledException
        || (ex is RequestFailedException rfe && rfe.Status is 0 or >= 500 && ex is not DumpTooLargeException);
}

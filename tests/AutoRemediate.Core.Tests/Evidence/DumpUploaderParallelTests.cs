using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using AutoRemediate.Evidence;
using AutoRemediate.Testing;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Evidence;

/// <summary>
/// Blocks staged into Azurite several at once: the blob is still exactly the source, in order, with
/// its hash; no more than the configured number of blocks is staged at once and no more buffers are
/// held than that plus one; a failing staging is retried or fails the upload with nothing committed;
/// cancellation stops the staging and gives every buffer back. Staging is observed through an HTTP
/// handler under the Blob client and buffers through a counting pool, never by timing.
/// </summary>
[TestClass]
public sealed class DumpUploaderParallelTests
{
    private const int MiB = 1024 * 1024;
    private string _container = null!;

    [TestInitialize]
    public void Setup() => _container = "dumps" + Guid.NewGuid().ToString("N")[..12];

    private static BlobServiceClient Blobs(StorageHandler? handler = null, string? connectionString = null)
    {
        var options = new BlobClientOptions();
        // Quick retries: a test of a failing staging should not wait the SDK's default back-off.
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        if (handler is not null)
        {
            handler.InnerHandler = new SocketsHttpHandler();
            options.Transport = new HttpClientTransport(new HttpClient(handler));
        }

        return new BlobServiceClient(connectionString ?? AzuriteFixture.ConnectionString, options);
    }

    private DumpUploader Uploader(BlobServiceClient blobs, CountingPool pool, int inFlight, int maxAttempts = 3) => new(blobs,
        Options.Create(new EvidenceOptions { DumpsContainer = _container, BlockSizeBytes = MiB, MaxBlocksInFlight = inFlight, MaxAttempts = maxAttempts }),
        TimeProvider.System, NullLogger<DumpUploader>.Instance, pool);

    private async Task<bool> ExistsAsync(string name, BlobServiceClient? blobs = null) =>
        (await (blobs ?? Blobs()).GetBlobContainerClient(_container).GetBlobClient(name).ExistsAsync()).Value;

    [TestMethod]
    public async Task Upload_SeveralBlocksInFlight_BlobIsTheSourceInOrderWithItsHash()
    {
        const long size = 13L * MiB + 5;
        var handler = new StorageHandler();
        var pool = new CountingPool();

        var result = await Uploader(Blobs(handler), pool, inFlight: 4).UploadAsync("inc-p1/w3wp.dmp", _ => Task.FromResult<Stream>(new GeneratedStream(size)), long.MaxValue);

        Assert.AreEqual(size, result.Bytes);
        Assert.AreEqual(GeneratedStream.Sha256Of(size), result.Sha256);
        var blob = Blobs().GetBlobContainerClient(_container).GetBlockBlobClient("inc-p1/w3wp.dmp");
        var blocks = (await blob.GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToList();
        Assert.HasCount(14, blocks);
        Assert.IsTrue(blocks.Take(13).All(b => b.SizeLong == MiB) && blocks[13].SizeLong == 5, "blocks committed in the order they were read");
        await using var content = await blob.OpenReadAsync();
        Assert.AreEqual(result.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(content)), "the stored bytes are the source's");
        Assert.AreEqual(result.Sha256, (await blob.GetPropertiesAsync()).Value.Metadata[DumpUploader.Sha256Metadata]);
        Assert.AreEqual(1, handler.Commits);
        Assert.AreEqual(0, pool.Outstanding, "every buffer is given back");
    }

    [TestMethod]
    public async Task Upload_StorageSlowerThanSource_InFlightReachesButNeverExceedsTheBound()
    {
        const int blocks = 10;
        // Each staging is held until as many as the bound are in flight (or the last block has
        // arrived): an uploader that staged more at once would be seen doing so, one that staged
        // fewer would never let a staging through.
        var handler = new StorageHandler { HoldStagingsUntilInFlight = 3, ExpectedBlocks = blocks };
        var pool = new CountingPool();

        var result = await Uploader(Blobs(handler), pool, inFlight: 3).UploadAsync("inc-p2/w3wp.dmp", _ => Task.FromResult<Stream>(new GeneratedStream(blocks * (long)MiB)), long.MaxValue);

        Assert.AreEqual(GeneratedStream.Sha256Of(blocks * (long)MiB), result.Sha256);
        Assert.IsFalse(handler.GateGaveUp, "stagings never reached the bound together");
        Assert.AreEqual(3, handler.MaxStagingsInFlight);
        Assert.IsLessThanOrEqualTo(4, pool.MaxOutstanding, "at most the blocks in flight plus the one being read");
        Assert.AreEqual(0, pool.Outstanding);
    }

    [TestMethod]
    public async Task Upload_OneStagingFailsOnce_BlockStagedAgainAndBlobComplete()
    {
        const long size = 6L * MiB;
        var handler = new StorageHandler { FailStagingOfBlock = 2, FailStagingTimes = 1 };
        var pool = new CountingPool();

        var result = await Uploader(Blobs(handler), pool, inFlight: 4).UploadAsync("inc-p3/w3wp.dmp", _ => Task.FromResult<Stream>(new GeneratedStream(size)), long.MaxValue);

        Assert.AreEqual(1, handler.FailedStagings);
        Assert.AreEqual(1, result.Attempts, "the Blob client staged the block again; the source was read once");
        Assert.AreEqual(GeneratedStream.Sha256Of(size), result.Sha256);
        await using var content = await Blobs().GetBlobContainerClient(_container).GetBlobClient("inc-p3/w3wp.dmp").OpenReadAsync();
        Assert.AreEqual(result.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(content)));
        Assert.AreEqual(0, pool.Outstanding);
    }

    [TestMethod]
    public async Task Upload_OneStagingAlwaysFails_FailsWithNothingCommittedAndBuffersBack()
    {
        var handler = new StorageHandler { FailStagingOfBlock = 3, FailStagingTimes = int.MaxValue };
        var pool = new CountingPool();
        var opens = 0;

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => Uploader(Blobs(handler), pool, inFlight: 4, maxAttempts: 2).UploadAsync("inc-p4/w3wp.dmp",
            _ => { opens++; return Task.FromResult<Stream>(new GeneratedStream(12L * MiB)); }, long.MaxValue));

        Assert.AreEqual(500, ex.Status);
        Assert.AreEqual(2, opens, "a failed attempt is tried again from the start, up to MaxAttempts");
        Assert.AreEqual(0, handler.Commits, "no block list may be committed");
        Assert.IsFalse(await ExistsAsync("inc-p4/w3wp.dmp"), "a failed dump must never look complete");
        Assert.AreEqual(0, pool.Outstanding, "every buffer is given back");
    }

    [TestMethod]
    public async Task Upload_CancelledWhileStagingsHang_StopsStagingAndGivesBuffersBack()
    {
        var handler = new StorageHandler { HangStagingsFromBlock = 2 };
        var pool = new CountingPool();
        using var cancel = new CancellationTokenSource();
        var upload = Uploader(Blobs(handler), pool, inFlight: 2).UploadAsync("inc-p5/w3wp.dmp",
            _ => Task.FromResult<Stream>(new GeneratedStream(40L * MiB)), long.MaxValue, cancel.Token);

        await handler.Hanging.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await cancel.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => upload);
        var startedAtCancel = handler.StagingsStarted;
        Assert.IsLessThanOrEqualTo(4, startedAtCancel, "no more than the bound (plus the one staged before) was sent");
        Assert.AreEqual(0, handler.Commits);
        Assert.AreEqual(0, pool.Outstanding, "every buffer is given back");
        Assert.IsFalse(await ExistsAsync("inc-p5/w3wp.dmp"));
        Assert.AreEqual(startedAtCancel, handler.StagingsStarted, "nothing is staged after the cancellation");
    }

    // A real Azurite frozen (SIGSTOP) mid-upload: the caller's cancellation still ends the upload with
    // every buffer back, and once Azurite runs again there is no blob.
    [TestMethod]
    public async Task Upload_AzuriteFrozenMidWayThenCancelled_StopsAndNothingStored()
    {
        var ports = LoopbackPorts.Free(3);
        var settings = new AutoRemediate.DevHost.AzuriteSettings(ports[0], ports[1], ports[2], Location: null);
        await using var azurite = await AutoRemediate.DevHost.AzuriteLauncher.StartAsync(settings);
        var pid = azurite.ProcessId!.Value;
        var handler = new StorageHandler { SignalAfterStagedBlocks = 2 };
        var pool = new CountingPool();
        var frozen = false;
        try
        {
            using var cancel = new CancellationTokenSource();
            var upload = Uploader(Blobs(handler, azurite.ConnectionString), pool, inFlight: 3).UploadAsync("inc-p6/w3wp.dmp",
                _ => Task.FromResult<Stream>(new GeneratedStream(64L * MiB)), long.MaxValue, cancel.Token);
            await handler.Staged.Task.WaitAsync(TimeSpan.FromMinutes(2));
            ProcessSignals.SignalTree(pid, "STOP");
            frozen = true;
            await cancel.CancelAsync();

            await Assert.ThrowsAsync<OperationCanceledException>(() => upload);
            Assert.AreEqual(0, pool.Outstanding, "every buffer is given back");

            ProcessSignals.SignalTree(pid, "CONT");
            frozen = false;
            Assert.AreEqual(0, handler.Commits);
            Assert.IsFalse(await ExistsAsync("inc-p6/w3wp.dmp", Blobs(connectionString: azurite.ConnectionString)));
        }
        finally
        {
            if (frozen)
            {
                ProcessSignals.SignalTree(pid, "CONT");
            }
        }
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("17")]
    public async Task StartAsync_MaxBlocksInFlightOutOfRange_HostRefusesToStartNamingTheKey(string value)
    {
        var ex = await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => HostStart.StartAndStopAsync(new Dictionary<string, string?> { ["Evidence:MaxBlocksInFlight"] = value }));

        StringAssert.Contains(ex.Message, "MaxBlocksInFlight");
    }

    /// <summary>Counts the buffers rented and not yet returned (and the most at once).</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private int _outstanding;
        private int _max;

        public int Outstanding => Volatile.Read(ref _outstanding);

        public int MaxOutstanding => Volatile.Read(ref _max);

        public override byte[] Rent(int minimumLength)
        {
            var now = Interlocked.Increment(ref _outstanding);
            InterlockedMax(ref _max, now);
            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false) => Interlocked.Decrement(ref _outstanding);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>
    /// Sits under the Blob client: counts stagings (Put Block) in flight and commits (Put Block List),
    /// and can fail, hang or hold the staging of given blocks.
    /// </summary>
    private sealed class StorageHandler : DelegatingHandler
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _wave = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _max;
        private int _started;
        private int _staged;
        private int _commits;
        private int _failed;
        private int _seenOfFailingBlock;

        public int HoldStagingsUntilInFlight { get; init; }

        public int ExpectedBlocks { get; init; }

        public int FailStagingOfBlock { get; init; } = -1;

        public int FailStagingTimes { get; init; }

        public int HangStagingsFromBlock { get; init; } = int.MaxValue;

        public int SignalAfterStagedBlocks { get; init; } = int.MaxValue;

        public bool GateGaveUp { get; private set; }

        public int MaxStagingsInFlight => Volatile.Read(ref _max);

        public int StagingsStarted => Volatile.Read(ref _started);

        public int Commits => Volatile.Read(ref _commits);

        public int FailedStagings => Volatile.Read(ref _failed);

        public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Staged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var query = request.RequestUri!.Query;
            if (request.Method == HttpMethod.Put && query.Contains("comp=blocklist", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _commits);
                return await base.SendAsync(request, cancellationToken);
            }

            if (request.Method != HttpMethod.Put || !query.Contains("comp=block", StringComparison.Ordinal))
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var block = BlockIndex(query);
            var started = Interlocked.Increment(ref _started);
            var inFlight = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _max, inFlight);
            try
            {
                if (block == FailStagingOfBlock && Interlocked.Increment(ref _seenOfFailingBlock) <= FailStagingTimes)
                {
                    Interlocked.Increment(ref _failed);
                    return new HttpResponseMessage(HttpStatusCode.InternalServerError) { RequestMessage = request, Content = new StringContent("") };
                }

                if (block >= HangStagingsFromBlock)
                {
                    Hanging.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                if (HoldStagingsUntilInFlight > 0)
                {
                    Task wave;
                    lock (_gate)
                    {
                        wave = _wave.Task;
                        if (inFlight >= HoldStagingsUntilInFlight || started >= ExpectedBlocks)
                        {
                            _wave.TrySetResult();
                            _wave = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        }
                    }

                    // Not a timing assertion: only a way out if the uploader never reaches the bound.
                    if (await Task.WhenAny(wave, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken)) != wave)
                    {
                        GateGaveUp = true;
                    }
                }

                var response = await base.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode && Interlocked.Increment(ref _staged) >= SignalAfterStagedBlocks)
                {
                    Staged.TrySetResult();
                }

                return response;
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        // Block ids are "aNN-bNNNNNN" in base64, URL-encoded in the query.
        private static int BlockIndex(string query)
        {
            var encoded = query.Split('&').First(p => p.StartsWith("blockid=", StringComparison.Ordinal) || p.StartsWith("?blockid=", StringComparison.Ordinal));
            var id = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(Uri.UnescapeDataString(encoded[(encoded.IndexOf('=', StringComparison.Ordinal) + 1)..])));
            return int.Parse(id[(id.IndexOf('b', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

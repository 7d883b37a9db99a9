using System.Security.Cryptography;
using AutoRemediate.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Testing;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Evidence;

/// <summary>Dumps streamed into Azurite's Blob Storage: complete with a hash, or not there at all.</summary>
[TestClass]
public sealed class DumpUploaderTests
{
    private const int MiB = 1024 * 1024;
    private BlobServiceClient _blobs = null!;
    private string _container = null!;

    [TestInitialize]
    public void Setup()
    {
        _blobs = new BlobServiceClient(AzuriteFixture.ConnectionString);
        _container = "dumps" + Guid.NewGuid().ToString("N")[..12];
    }

    private DumpUploader Uploader(int maxAttempts = 3) => new(_blobs,
        Options.Create(new EvidenceOptions { DumpsContainer = _container, BlockSizeBytes = 4 * MiB, MaxAttempts = maxAttempts }),
        TimeProvider.System, NullLogger<DumpUploader>.Instance);

    private async Task<bool> ExistsAsync(string name) => (await _blobs.GetBlobContainerClient(_container).GetBlobClient(name).ExistsAsync()).Value;

    [TestMethod]
    public async Task Upload_Stream_BlobHasTheContentAndItsHashInMetadata()
    {
        const long size = 21 * MiB + 123;

        var result = await Uploader().UploadAsync("inc-1/w3wp.dmp", _ => Task.FromResult<Stream>(new GeneratedStream(size)), long.MaxValue);

        Assert.AreEqual(size, result.Bytes);
        Assert.AreEqual(GeneratedStream.Sha256Of(size), result.Sha256);
        Assert.AreEqual(1, result.Attempts);
        var blob = _blobs.GetBlobContainerClient(_container).GetBlobClient("inc-1/w3wp.dmp");
        var properties = (await blob.GetPropertiesAsync()).Value;
        Assert.AreEqual(size, properties.ContentLength);
        Assert.AreEqual(result.Sha256, properties.Metadata[DumpUploader.Sha256Metadata]);
        await using var content = await blob.OpenReadAsync();
        Assert.AreEqual(result.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(content)));
    }

    [TestMethod]
    public async Task Upload_StreamBreaksMidWay_FetchedAgainAndStoredComplete()
    {
        const long size = 18 * MiB;
        var opens = 0;

        var result = await Uploader().UploadAsync("inc-2/w3wp.dmp", _ =>
            Task.FromResult<Stream>(++opens == 1 ? new GeneratedStream(size, breakAfter: 10 * MiB) : new GeneratedStream(size)), long.MaxValue);

        Assert.AreEqual(2, result.Attempts);
        Assert.AreEqual(size, result.Bytes);
        Assert.AreEqual(GeneratedStream.Sha256Of(size), result.Sha256);
        var properties = (await _blobs.GetBlobContainerClient(_container).GetBlobClient("inc-2/w3wp.dmp").GetPropertiesAsync()).Value;
        Assert.AreEqual(size, properties.ContentLength, "no block of the broken attempt may be in the blob");
    }

    [TestMethod]
    public async Task Upload_StreamAlwaysBreaks_NoBlobLeftBehind()
    {
        await Assert.ThrowsExactlyAsync<IOException>(() => Uploader(maxAttempts: 2).UploadAsync("inc-3/w3wp.dmp",
            _ => Task.FromResult<Stream>(new GeneratedStream(12 * MiB, breakAfter: 9 * MiB)), long.MaxValue));

        Assert.IsFalse(await ExistsAsync("inc-3/w3wp.dmp"), "a broken dump must never look complete");
    }

    [TestMethod]
    public async Task Upload_OverBudget_RefusedAndNothingStored()
    {
        var ex = await Assert.ThrowsExactlyAsync<DumpTooLargeException>(() => Uploader().UploadAsync("inc-4/w3wp.dmp",
            _ => Task.FromResult<Stream>(new GeneratedStream(20 * MiB)), maxBytes: 10 * MiB));

        Assert.AreEqual(10 * MiB, ex.LimitBytes);
        Assert.IsFalse(await ExistsAsync("inc-4/w3wp.dmp"));
    }

    [TestMethod]
    public async Task Upload_RunTwice_SecondFindsTheStoredDumpAndReadsNothing()
    {
        var first = await Uploader().UploadAsync("inc-5/w3wp.dmp", _ => Task.FromResult<Stream>(new GeneratedStream(5 * MiB)), long.MaxValue);

        var second = await Uploader().UploadAsync("inc-5/w3wp.dmp", _ => throw new InvalidOperationException("must not fetch the dump again"), long.MaxValue);

        Assert.IsTrue(second.AlreadyStored);
        Assert.AreEqual(first.Sha256, second.Sha256);
        Assert.AreEqual(first.Bytes, second.Bytes);
    }

    // End to end with the real ARM client: the Sandbox drops the connection 3 MiB into the first dump.
    [TestMethod]
    public async Task Upload_ArmDumpConnectionDropsMidWay_FetchedAgainAndStoredComplete()
    {
        await using var sandbox = await SandboxFixture.StartAsync();
        var site = SandboxFixture.SiteId("contoso-shop");
        var client = AutoRemediate.Core.Tests.Azure.AppServiceClientTests.Services(sandbox).GetRequiredService<IAppServiceClient>();
        var instance = (await client.ListInstancesAsync(site))[0].InstanceId;
        await sandbox.AddFaultAsync(new { pathContains = "/dump", dumpSizeBytes = 9 * MiB, breakAfterBytes = 3 * MiB, times = 1 });
        await sandbox.AddFaultAsync(new { pathContains = "/dump", dumpSizeBytes = 9 * MiB, times = 1 });

        var result = await Uploader().UploadAsync("inc-7/w3wp.dmp", ct => client.GetProcessDumpAsync(site, instance, 1, ct), long.MaxValue);

        Assert.AreEqual(2, result.Attempts);
        Assert.AreEqual(9L * MiB, result.Bytes);
        var blob = _blobs.GetBlobContainerClient(_container).GetBlobClient("inc-7/w3wp.dmp");
        Assert.AreEqual(9L * MiB, (await blob.GetPropertiesAsync()).Value.ContentLength);
        await using var content = await blob.OpenReadAsync();
        Assert.AreEqual(result.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(content)));
    }

    [TestMethod]
    public async Task Upload_Cancelled_StopsWithoutABlob()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => Uploader().UploadAsync("inc-6/w3wp.dmp",
            _ => Task.FromResult<Stream>(new GeneratedStream(5 * MiB)), long.MaxValue, cancel.Token));

        Assert.IsFalse(await ExistsAsync("inc-6/w3wp.dmp"));
    }
}

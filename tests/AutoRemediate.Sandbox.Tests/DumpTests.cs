using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using static AutoRemediate.Sandbox.Tests.SandboxHost;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>Process dumps: generated on the fly, deterministic, any size, never held in memory.</summary>
[TestClass]
public sealed class DumpTests
{
    private const long MiB = 1024 * 1024;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ArmDump_Default64MiB_MinidumpBytes_SameEveryTime()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var instance = (await sandbox.InstanceIdsAsync("contoso-shop"))[0];
        var path = $"{Site("contoso-shop")}/instances/{instance}/processes/1/dump?{Api}";

        var (first, headers, firstBytes) = await DownloadAsync(sandbox, path);
        var (second, _, _) = await DownloadAsync(sandbox, path);

        Assert.AreEqual(64 * MiB, headers.ContentLength);
        Assert.AreEqual("application/octet-stream", headers.ContentType!.MediaType);
        StringAssert.EndsWith(headers.ContentDisposition!.FileName!.Trim('"'), ".dmp");
        CollectionAssert.AreEqual("MDMP"u8.ToArray(), firstBytes[..4], "a Windows minidump starts with MDMP");
        CollectionAssert.AreEqual(first, second, "the same process gives the same bytes");
    }

    [TestMethod]
    public async Task ArmDump_SizeFromTheAppsJson_OtherProcessesDiffer()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var instance = (await sandbox.InstanceIdsAsync("contoso-onebad"))[0];

        var (worker, headers, _) = await DownloadAsync(sandbox, $"{Site("contoso-onebad")}/instances/{instance}/processes/1/dump?{Api}");
        var (scm, _, _) = await DownloadAsync(sandbox, $"{Site("contoso-onebad")}/instances/{instance}/processes/2/dump?{Api}");
        using var missing = await sandbox.Client().GetAsync($"{Site("contoso-onebad")}/instances/{instance}/processes/99/dump?{Api}");

        Assert.AreEqual(32 * MiB, headers.ContentLength, "dumpSizeBytes in sandbox.apps.json");
        CollectionAssert.AreNotEqual(worker, scm);
        Assert.AreEqual(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [TestMethod]
    public async Task KuduDump_FormatZip_IsAValidZipWithTheDump()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { pathContains = "/api/processes/0/dump", dumpSizeBytes = 3 * MiB + 123 });

        using var response = await sandbox.Client().GetAsync("/scm/contoso-shop/api/processes/0/dump?dumpType=2&format=zip");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var entry = zip.Entries.Single();
        await using var dump = await entry.OpenAsync();
        var content = new MemoryStream();
        await dump.CopyToAsync(content);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("application/zip", response.Content.Headers.ContentType!.MediaType);
        Assert.AreEqual(bytes.LongLength, response.Content.Headers.ContentLength);
        StringAssert.EndsWith(entry.Name, ".dmp");
        Assert.AreEqual(3 * MiB + 123, content.Length);
        CollectionAssert.AreEqual("MDMP"u8.ToArray(), content.ToArray()[..4]);
    }

    // 3 GiB through the Sandbox while a sampler watches this process (which hosts both the Sandbox and the
    // client that reads and discards): the dump is written from one pooled 1 MiB buffer, so memory stays flat.
    [TestMethod]
    public async Task ArmDump_3GiB_StreamsThroughWithoutTheSandboxsMemoryGrowing()
    {
        const long size = 3L * 1024 * MiB;
        await using var sandbox = await SandboxHost.StartAsync();
        var instance = (await sandbox.InstanceIdsAsync("contoso-shop"))[0];
        var path = $"{Site("contoso-shop")}/instances/{instance}/processes/1/dump?{Api}";
        await DownloadAsync(sandbox, path);
        await sandbox.AddFaultAsync(new { pathContains = "/dump", dumpSizeBytes = size });

        using var self = Process.GetCurrentProcess();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        self.Refresh();
        var workingSetBefore = self.WorkingSet64;
        var peakWorkingSet = workingSetBefore;
        var peakManaged = managedBefore;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                self.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, self.WorkingSet64);
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                await Task.Delay(50);
            }
        });

        long read = 0;
        var watch = Stopwatch.StartNew();
        using (var response = await sandbox.Client().GetAsync(path, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.AreEqual(size, response.Content.Headers.ContentLength);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[MiB];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
        }

        await stop.CancelAsync();
        await sampler;
        var managedAfter = GC.GetTotalMemory(forceFullCollection: true);

        TestContext.WriteLine($"3 GiB in {watch.Elapsed}; working set +{(peakWorkingSet - workingSetBefore) / MiB} MiB at peak, managed heap +{(peakManaged - managedBefore) / MiB} MiB at peak, +{(managedAfter - managedBefore) / MiB} MiB after");
        Assert.AreEqual(size, read);
        const long limit = 100 * MiB;
        Assert.IsTrue(peakWorkingSet - workingSetBefore < limit, $"working set grew {(peakWorkingSet - workingSetBefore) / MiB} MiB while streaming (took {watch.Elapsed})");
        Assert.IsTrue(peakManaged - managedBefore < limit, $"managed heap grew {(peakManaged - managedBefore) / MiB} MiB while streaming");
        Assert.IsTrue(managedAfter - managedBefore < limit, $"managed heap kept {(managedAfter - managedBefore) / MiB} MiB");
    }

    private static async Task<(byte[] Hash, System.Net.Http.Headers.HttpContentHeaders Headers, byte[] FirstBytes)> DownloadAsync(SandboxHost sandbox, string path)
    {
        using var response = await sandbox.Client().GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[MiB];
        byte[]? first = null;
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            first ??= buffer[..Math.Min(n, 16)];
            hash.AppendData(buffer, 0, n);
            total += n;
        }

        Assert.AreEqual(response.Content.Headers.ContentLength, total);
        return (hash.GetHashAndReset(), response.Content.Headers, first ?? []);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AutoRemediate.Azure;
using AutoRemediate.DevHost;
using AutoRemediate.Evidence;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// A process dump of the given size from the Sandbox's ARM dump route, streamed by the real
/// AppServiceClient into Azurite through the real DumpUploader: throughput, and this process's peak
/// working set above its idle level (sampled every 50 ms).
/// </summary>
internal static class DumpBenchmark
{
    public static async Task<int> RunAsync(DevHostRunner host, long mebibytes)
    {
        var bytes = mebibytes * 1024 * 1024;
        var site = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
        var client = host.Services.GetRequiredService<IAppServiceClient>();
        var uploader = host.Services.GetRequiredService<DumpUploader>();
        var instance = (await client.ListInstancesAsync(site))[0].InstanceId;

        // Tell the Sandbox how big this dump is (fault injection's dump size override).
        using var sandbox = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } }) { BaseAddress = host.SandboxAddress };
        using (var fault = await sandbox.PostAsJsonAsync("/sandbox/faults", new { pathContains = "/dump", dumpSizeBytes = bytes, times = 1 }))
        {
            fault.EnsureSuccessStatusCode();
        }

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

        var watch = Stopwatch.StartNew();
        var result = await uploader.UploadAsync($"bench/{Guid.NewGuid():N}.dmp", ct => client.GetProcessDumpAsync(site, instance, 1, ct), long.MaxValue);
        watch.Stop();
        await sampling.CancelAsync();
        await sampler;

        var mibPerSecond = result.Bytes / 1024d / 1024d / watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT dump bytes={result.Bytes} sha256={result.Sha256[..16]}… seconds={watch.Elapsed.TotalSeconds:0.0} MiB/s={mibPerSecond:0.0} " +
            $"idleMiB={idle / 1048576d:0} peakMiB={peak / 1048576d:0} aboveIdleMiB={(peak - idle) / 1048576d:0} attempts={result.Attempts}"));
        return result.Bytes == bytes ? 0 : 1;
    }
}

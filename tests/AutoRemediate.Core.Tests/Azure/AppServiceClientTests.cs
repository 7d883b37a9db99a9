using System.Diagnostics;
using AutoRemediate.Azure;
using AutoRemediate.Diagnostics;
using AutoRemediate.Sandbox;
using AutoRemediate.Testing;
using Azure;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests.Azure;

/// <summary>The real ARM clients (App Service, Monitor metrics, autoscale, Resource Health), wired by AddAutoRemediate, against the Sandbox over HTTPS.</summary>
[TestClass]
public sealed class AppServiceClientTests
{
    private static readonly string s_shop = SandboxFixture.SiteId("contoso-shop");
    private static readonly string s_api = SandboxFixture.SiteId("contoso-api");
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetAsync() => s_sandbox.ResetAsync();

    internal static IAppServiceClient Client(SandboxFixture sandbox, Action<IServiceCollection>? tweak = null) => Client<IAppServiceClient>(sandbox, tweak);

    internal static TClient Client<TClient>(SandboxFixture sandbox, Action<IServiceCollection>? tweak = null)
        where TClient : notnull =>
        Services(sandbox, tweak).GetRequiredService<TClient>();

    internal static ServiceProvider Services(SandboxFixture sandbox, Action<IServiceCollection>? tweak = null)
    {
        var services = new ServiceCollection();
        TestServices.AddCore(services, sandbox, TestServices.UniqueTables());
        tweak?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static IEnumerable<LoggedRequest> Requests(string method, string pathEnd) =>
        s_sandbox.Requests.Snapshot().Where(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.OrdinalIgnoreCase));

    [TestMethod]
    public async Task GetSite_Known_ReadsStatePlanAndHost()
    {
        var site = await Client(s_sandbox).GetSiteAsync(s_shop);

        Assert.AreEqual("contoso-shop", site.Name);
        Assert.AreEqual("Running", site.State);
        Assert.AreEqual("contoso-shop.azurewebsites.net", site.DefaultHostName);
        Assert.IsFalse(site.IsLinux);
        Assert.IsNotNull(site.ServerFarmId);
        var request = Requests("GET", "/sites/contoso-shop").Last();
        Assert.IsTrue(request.HadBearerToken);
        StringAssert.Contains(request.Query, "api-version=2025-05-01");
    }

    [TestMethod]
    public async Task GetSite_LinuxApp_IsLinux() => Assert.IsTrue((await Client(s_sandbox).GetSiteAsync(s_api)).IsLinux);

    [TestMethod]
    public async Task GetSite_Unknown_RequestFailedWith404()
    {
        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => Client(s_sandbox).GetSiteAsync(SandboxFixture.SiteId("missing")));

        Assert.AreEqual(404, ex.Status);
        Assert.AreEqual("ResourceNotFound", ex.ErrorCode);
    }

    [TestMethod]
    public async Task GetSite_NotASiteId_ArgumentExceptionAndNoRequest()
    {
        await Assert.ThrowsExactlyAsync<ArgumentException>(() =>
            Client(s_sandbox).GetSiteAsync("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x"));

        Assert.IsEmpty(s_sandbox.Requests.Snapshot());
    }

    [TestMethod]
    public async Task GetSiteConfig_ReadsTheHealthCheckPath()
    {
        var config = await Client(s_sandbox).GetSiteConfigAsync(s_shop);

        Assert.IsFalse(string.IsNullOrEmpty(config.HealthCheckPath));
    }

    [TestMethod]
    public async Task ListSlots_SiteWithStaging_ReturnsTheSlot()
    {
        var slots = await Client(s_sandbox).ListSlotsAsync(s_shop);

        StringAssert.EndsWith(slots.Single().Id, "/slots/staging");
        Assert.AreEqual("Running", (await Client(s_sandbox).GetSiteAsync(slots.Single().Id)).State);
    }

    [TestMethod]
    public async Task InstancesAndProcesses_OfEachInstance_WithMemoryAndStartTime()
    {
        var client = Client(s_sandbox);
        var instances = await client.ListInstancesAsync(s_shop);
        var app = await s_sandbox.AppAsync("contoso-shop");

        CollectionAssert.AreEquivalent(app["instanceIds"]!.AsArray().Select(i => i!.GetValue<string>()).ToArray(), instances.Select(i => i.InstanceId).ToArray());
        var processes = await client.ListProcessesAsync(s_shop, instances[0].InstanceId);
        var worker = processes.First(p => !p.IsScmSite);
        var details = await client.GetProcessAsync(s_shop, instances[0].InstanceId, worker.Id);
        Assert.IsGreaterThan(0L, details.WorkingSetBytes ?? 0);
        Assert.IsNotNull(details.StartTime);
        Assert.IsGreaterThan(0, details.ThreadCount ?? 0);
    }

    [TestMethod]
    public async Task GetProcessDump_StreamsEveryByte()
    {
        var client = Client(s_sandbox);
        var instance = (await client.ListInstancesAsync(s_shop))[0].InstanceId;
        await s_sandbox.AddFaultAsync(new { pathContains = "/dump", dumpSizeBytes = 5 * 1024 * 1024 + 7 });

        await using var dump = await client.GetProcessDumpAsync(s_shop, instance, 1);
        var total = 0L;
        var buffer = new byte[81920];
        int read;
        while ((read = await dump.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        Assert.AreEqual(5 * 1024 * 1024 + 7, total);
    }

    [TestMethod]
    public async Task KillProcess_OnOneInstance_KilledOnceAndUnknownPidIsFalse()
    {
        var client = Client(s_sandbox);
        var instance = (await client.ListInstancesAsync(s_shop))[0].InstanceId;

        Assert.IsTrue(await client.KillProcessAsync(s_shop, instance, 1));
        Assert.IsFalse(await client.KillProcessAsync(s_shop, instance, 99999));
        Assert.AreEqual(1, (await s_sandbox.AppAsync("contoso-shop"))["killCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Restart_Once_OneRestartWithTheRequestedOptions()
    {
        await Client(s_sandbox).RestartAsync(s_shop, softRestart: true, synchronous: true);

        Assert.AreEqual(1, (await s_sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>());
        var request = Requests("POST", "/sites/contoso-shop/restart").Single();
        StringAssert.Contains(request.Query, "softRestart=true");
        StringAssert.Contains(request.Query, "synchronous=true");
    }

    [TestMethod]
    public async Task Restart_ServerError_NotRetriedSoNeverTwice()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/restart", status = 500, times = 1 });

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => Client(s_sandbox).RestartAsync(s_shop));

        Assert.AreEqual(500, ex.Status);
        Assert.HasCount(1, Requests("POST", "/sites/contoso-shop/restart").ToArray());
        Assert.AreEqual(0, (await s_sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Restart_Throttled_WaitsRetryAfterThenRestartsOnce()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/restart", status = 429, retryAfterSeconds = 1, times = 1 });

        await Client(s_sandbox).RestartAsync(s_shop);

        var attempts = Requests("POST", "/sites/contoso-shop/restart").ToArray();
        Assert.HasCount(2, attempts);
        Assert.AreEqual(429, attempts[0].Status);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900), attempts[1].At - attempts[0].At, "Retry-After must be honoured");
        Assert.AreEqual(1, (await s_sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Get_ThrottledWithRetryAfter_RetriedAndSucceeds()
    {
        await s_sandbox.AddFaultAsync(new { method = "GET", pathContains = "/sites/contoso-shop", status = 429, retryAfterSeconds = 1, times = 2 });
        var watch = Stopwatch.StartNew();

        var site = await Client(s_sandbox).GetSiteAsync(s_shop);

        Assert.AreEqual("contoso-shop", site.Name);
        Assert.HasCount(3, Requests("GET", "/sites/contoso-shop").ToArray());
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1800), watch.Elapsed);
    }

    [TestMethod]
    public async Task Get_Cancelled_StopsWithoutWaitingForASlowServer()
    {
        await s_sandbox.AddFaultAsync(new { method = "GET", pathContains = "/sites/contoso-shop", delayMs = 20000, times = 1 });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<OperationCanceledException>(() => Client(s_sandbox).GetSiteAsync(s_shop, cancel.Token));

        Assert.IsLessThan(TimeSpan.FromSeconds(5), watch.Elapsed);
    }

    [TestMethod]
    public async Task UpdatePlanSku_ScaleOut_FollowsTheLongRunningOperationToTheNewCapacity()
    {
        var client = Client(s_sandbox);
        var planId = (await client.GetSiteAsync(s_shop)).ServerFarmId!;
        var before = await client.GetPlanAsync(planId);

        var after = await client.UpdatePlanSkuAsync(planId, new PlanSkuChange(Capacity: before.Capacity + 1));

        Assert.AreEqual(before.Capacity + 1, after.Capacity);
        Assert.AreEqual(before.Capacity + 1, (await client.ListInstancesAsync(s_shop)).Count);
        var log = s_sandbox.Requests.Snapshot();
        var patch = log.Single(r => r.Method == "PATCH");
        Assert.AreEqual(202, patch.Status);
        Assert.IsTrue(log.Any(r => r.Sequence > patch.Sequence && r.Path.Contains("/sandbox/operations/", StringComparison.OrdinalIgnoreCase) || r.Sequence > patch.Sequence && r.Method == "GET"), "the operation was polled");
    }

    [TestMethod]
    public async Task UpdatePlanSku_ScaleUp_ChangesTheSku()
    {
        var client = Client(s_sandbox);
        var planId = (await client.GetSiteAsync(s_shop)).ServerFarmId!;

        var after = await client.UpdatePlanSkuAsync(planId, new PlanSkuChange(SkuName: "P2v3", SkuTier: "PremiumV3"));

        Assert.AreEqual("P2v3", after.SkuName);
        Assert.AreEqual("P2v3", (await client.GetPlanAsync(planId)).SkuName);
    }

    [TestMethod]
    public async Task UpdatePlanSku_OperationFails_RequestFailedAndPlanUnchanged()
    {
        var client = Client(s_sandbox);
        var planId = (await client.GetSiteAsync(s_shop)).ServerFarmId!;
        var before = await client.GetPlanAsync(planId);
        await s_sandbox.AddFaultAsync(new { method = "PATCH", pathContains = "/serverfarms/", lroResult = "Failed", times = 1 });

        await Assert.ThrowsExactlyAsync<RequestFailedException>(() => client.UpdatePlanSkuAsync(planId, new PlanSkuChange(Capacity: before.Capacity + 1)));

        Assert.AreEqual(before.Capacity, (await client.GetPlanAsync(planId)).Capacity);
    }

    [TestMethod]
    public async Task GetMetrics_Plan_CpuPercentagePerInstance()
    {
        var client = Client(s_sandbox);
        var metrics = Client<IMetricsClient>(s_sandbox);
        var planId = (await client.GetSiteAsync(SandboxFixture.SiteId("contoso-cpu"))).ServerFarmId!;
        var end = DateTimeOffset.UtcNow;

        var series = await metrics.GetMetricsAsync(planId, new MetricsQuery(["CpuPercentage"], end.AddMinutes(-10), end, TimeSpan.FromMinutes(1), ["Average"], SplitByInstance: true));

        Assert.HasCount((await client.GetPlanAsync(planId)).Capacity!.Value, series);
        Assert.IsTrue(series.All(s => s.Metric == "CpuPercentage" && s.Points.Any(p => p.Average > 80)), "a CPU-saturated plan");
    }

    [TestMethod]
    public async Task FindAutoscaleSettings_PlanWithAutoscale_ReportsTheRangeThatWouldUndoAManualScaleOut()
    {
        var client = Client(s_sandbox);
        var autoscale = Client<IAutoscaleClient>(s_sandbox);
        var planId = (await client.GetSiteAsync(SandboxFixture.SiteId("contoso-cpu"))).ServerFarmId!;

        var settings = await autoscale.FindAutoscaleSettingsAsync(planId);

        var setting = settings.Single();
        Assert.IsTrue(setting.Enabled);
        Assert.AreEqual(2, setting.Minimum);
        Assert.AreEqual(5, setting.Maximum);
        Assert.IsTrue(setting.WouldOverride(6));
        Assert.IsFalse(setting.WouldOverride(4));
        Assert.IsEmpty(await autoscale.FindAutoscaleSettingsAsync((await client.GetSiteAsync(s_shop)).ServerFarmId!));
    }

    [TestMethod]
    public async Task GetMetrics_SiteSplitByInstance_OneSeriesPerInstanceWithMinutePoints()
    {
        var client = Client(s_sandbox);
        var end = DateTimeOffset.UtcNow;
        var instances = await client.ListInstancesAsync(s_shop);
        var metrics = Client<IMetricsClient>(s_sandbox);

        var series = await metrics.GetMetricsAsync(s_shop, new MetricsQuery(["MemoryWorkingSet", "Http5xx"], end.AddMinutes(-30), end, TimeSpan.FromMinutes(1), ["Average", "Total"], SplitByInstance: true));

        var memory = series.Where(s => s.Metric == "MemoryWorkingSet").ToArray();
        Assert.HasCount(instances.Count, memory);
        Assert.IsTrue(memory.All(s => s.Instance is not null && s.Points.Count >= 29));
        Assert.IsTrue(memory.All(s => s.Points.All(p => p.Average > 0)));
        Assert.IsTrue(series.Any(s => s.Metric == "Http5xx"));
    }

    // The metrics name instances by machine name (as Azure does); the process record's machineName, read from the raw
    // ARM JSON, is what maps one to the other.
    [TestMethod]
    public async Task GetProcess_MachineName_IsTheMetricsInstanceNameOfThatInstance()
    {
        var client = Client(s_sandbox);
        var end = DateTimeOffset.UtcNow;
        var instances = await client.ListInstancesAsync(s_shop);
        var machineNames = new List<string?>();
        foreach (var instance in instances)
        {
            var worker = (await client.ListProcessesAsync(s_shop, instance.InstanceId)).First(p => !p.IsScmSite);
            machineNames.Add((await client.GetProcessAsync(s_shop, instance.InstanceId, worker.Id)).MachineName);
        }

        var series = await Client<IMetricsClient>(s_sandbox).GetMetricsAsync(s_shop, new MetricsQuery(["MemoryWorkingSet"], end.AddMinutes(-5), end, TimeSpan.FromMinutes(1), ["Average"], SplitByInstance: true));

        Assert.IsTrue(machineNames.All(n => n is { Length: > 0 }), "every instance's worker names its machine");
        CollectionAssert.AreEquivalent(machineNames, series.Select(s => s.Instance).ToArray());
        Assert.IsFalse(series.Any(s => instances.Any(i => string.Equals(i.InstanceId, s.Instance, StringComparison.OrdinalIgnoreCase))), "no ARM instance id in the metrics");
    }

    [TestMethod]
    public async Task GetMetrics_EndInTheFirstSecondOfAMinute_ThatMinutesPointIsIncluded()
    {
        // A poll 300 ms into a minute: a 1-minute rule's window is that minute, so its point must come back.
        var now = DateTimeOffset.UtcNow;
        var minute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-1);
        var end = minute.AddMilliseconds(300);

        var series = await Client<IMetricsClient>(s_sandbox).GetMetricsAsync(s_shop, new MetricsQuery(["MemoryWorkingSet"], minute.AddMinutes(-1), end, TimeSpan.FromMinutes(1), ["Average"]));

        var point = series.Single().Points.SingleOrDefault(p => p.Timestamp == minute);
        Assert.IsNotNull(point, "the minute the query ends in is in the answer");
        Assert.IsNotNull(point.Average);
        Assert.IsNotNull(MetricMath.OverWindow(series, "MemoryWorkingSet", "Average", end, TimeSpan.FromMinutes(1)), "a 1-minute window at that moment has a value");
    }

    [TestMethod]
    public async Task GetMetrics_UnknownMetric_RequestFailed400()
    {
        var end = DateTimeOffset.UtcNow;

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() =>
            Client<IMetricsClient>(s_sandbox).GetMetricsAsync(s_shop, new MetricsQuery(["NoSuchMetric"], end.AddMinutes(-5), end, TimeSpan.FromMinutes(1), ["Average"])));

        Assert.AreEqual(400, ex.Status);
    }

    [TestMethod]
    public async Task GetAvailability_PlatformOutage_IsAPlatformProblem()
    {
        var client = Client<IResourceHealthClient>(s_sandbox);

        var outage = await client.GetAvailabilityAsync(SandboxFixture.SiteId("contoso-outage"));
        var healthy = await client.GetAvailabilityAsync(s_api);

        Assert.AreEqual("Unavailable", outage.State);
        Assert.IsTrue(outage.IsPlatformProblem);
        Assert.AreEqual("Available", healthy.State);
        Assert.IsFalse(healthy.IsPlatformProblem);
    }

    [TestMethod]
    public async Task Detectors_ListAndRun_ReturnsTheRawTables()
    {
        var client = Client(s_sandbox);
        var detectors = await client.ListDetectorsAsync(s_shop);

        Assert.IsNotEmpty(detectors);
        var end = DateTimeOffset.UtcNow;
        var result = await client.RunDetectorAsync(s_shop, detectors[0].Id, end.AddHours(-1), end);

        Assert.IsTrue(result.GetProperty("properties").TryGetProperty("dataset", out _));
    }

    // The Sandbox certificate is trusted only because its thumbprint is pinned: another self-signed
    // certificate on loopback is refused, so the pin cannot be a blanket "accept anything".
    [TestMethod]
    public async Task GetSite_SandboxCertificateNotPinned_ConnectionRefused()
    {
        await using var other = await SandboxFixture.StartAsync();
        var client = Client(other, services => services.PostConfigure<AzureOptions>(o => o.SandboxCertificateThumbprint = s_sandbox.Thumbprint));

        var ex = await Assert.ThrowsAsync<Exception>(() => client.GetSiteAsync(s_shop));

        Assert.IsTrue(ex is RequestFailedException or AggregateException, ex.ToString());
        Assert.IsFalse(other.Requests.Snapshot().Any(), "no request may reach an untrusted server");
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static AutoRemediate.Sandbox.Tests.SandboxHost;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>The scenarios react to time and to actions, on a clock the tests move by hand.</summary>
[TestClass]
public sealed class ScenarioTests
{
    private const long MiB = 1024 * 1024;
    private static readonly DateTimeOffset s_start = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    // A verification poll asks for the metrics up to its own time; when the answer is computed just after
    // the minute turned, the minute the query ends in must be read at the query's end, not at its start
    // (which can be before the restart the poll is checking on).
    [TestMethod]
    public async Task Metrics_QueryEndsInTheRestartMinuteAnsweredAfterIt_LastPointAfterTheRestart()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);
        var instance = (await sandbox.InstanceIdsAsync("contoso-shop"))[0];
        var machineName = await MachineNameAsync(sandbox, "contoso-shop", instance);
        clock.Advance(TimeSpan.FromSeconds(630)); // 09:10:30
        using (var restart = await sandbox.Client().PostAsync($"{Site("contoso-shop")}/restart?softRestart=false&synchronous=false&{Api}", null))
        {
            Assert.AreEqual(HttpStatusCode.OK, restart.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(31)); // 09:11:01
        var series = await MetricAsync(sandbox, Site("contoso-shop"), "MemoryWorkingSet", machineName, s_start.AddMinutes(6), s_start.AddSeconds(659));

        Assert.AreEqual(2350 * MiB, series[^2], "09:09, before the restart: 400 MB + 50 MB per minute of the 39 minutes the worker had run");
        Assert.AreEqual((400 + (50 * 29 / 60.0)) * MiB, series[^1], MiB, "09:10, read at 09:10:59: the new worker, 29 s old");
    }

    [TestMethod]
    public async Task MemoryLeak_WorkingSetGrowsWithTime_RestartResetsItAndCountsOnce()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);
        var instance = (await sandbox.InstanceIdsAsync("contoso-shop"))[0];
        var machineName = await MachineNameAsync(sandbox, "contoso-shop", instance);
        var worker = $"{Site("contoso-shop")}/instances/{instance}/processes";

        var before = await WorkingSetAsync(sandbox, $"{worker}/1");
        clock.Advance(TimeSpan.FromMinutes(10));
        var later = await WorkingSetAsync(sandbox, $"{worker}/1");

        Assert.AreEqual((400 + (50 * 30)) * MiB, before, "400 MB + 50 MB per minute of the 30 minutes the worker has run");
        Assert.AreEqual(500 * MiB, later - before, "50 MB more per minute");

        using var restart = await sandbox.Client().PostAsync($"{Site("contoso-shop")}/restart?softRestart=false&synchronous=false&{Api}", null);
        Assert.AreEqual(HttpStatusCode.OK, restart.StatusCode);
        Assert.AreEqual(0, (await restart.Content.ReadAsByteArrayAsync()).Length, "restart answers 200 with an empty body");

        var processes = (await sandbox.GetJsonAsync($"{worker}?{Api}"))["value"]!.AsArray();
        var newWorker = processes.Single(p => p!["properties"]!["is_scm_site"]!.GetValue<bool>() == false)!;
        Assert.AreNotEqual("1", newWorker["name"]!.GetValue<string>(), "the restarted worker is a new process");
        Assert.AreEqual(400 * MiB, newWorker["properties"]!["working_set"]!.GetValue<long>());
        Assert.AreEqual(clock.GetUtcNow(), DateTimeOffset.Parse(newWorker["properties"]!["start_time"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        using (var gone = await sandbox.Client().GetAsync($"{worker}/1?{Api}"))
        {
            Assert.AreEqual(HttpStatusCode.NotFound, gone.StatusCode, "the old worker is gone");
        }

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.AreEqual(500 * MiB, await WorkingSetAsync(sandbox, $"{worker}/{newWorker["name"]!.GetValue<string>()}"));
        var app = await sandbox.AppAsync("contoso-shop");
        Assert.AreEqual(1, app["restartCount"]!.GetValue<int>());
        Assert.AreEqual(0, app["killCount"]!.GetValue<int>());

        // The metric shows the climb and the drop at the restart minute.
        var series = await MetricAsync(sandbox, Site("contoso-shop"), "MemoryWorkingSet", machineName, s_start, clock.GetUtcNow().AddMinutes(1));
        Assert.AreEqual(1900 * MiB, series.First());
        Assert.AreEqual(2350 * MiB, series[9], "the minute before the restart");
        Assert.AreEqual(400 * MiB, series[10], "the restart minute");
        Assert.AreEqual(500 * MiB, series[^1]);
        Assert.AreEqual(13, series.Count, "no data after now");
    }

    [TestMethod]
    public async Task MemoryLeak_CapsAt3Point5GB_AndTheMemoryDetectorEscalates()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);

        var first = await DetectorStatusAsync(sandbox, "contoso-shop", "memoryusage");
        clock.Advance(TimeSpan.FromMinutes(20));
        var second = await DetectorStatusAsync(sandbox, "contoso-shop", "memoryusage");
        clock.Advance(TimeSpan.FromHours(5));
        var third = await DetectorStatusAsync(sandbox, "contoso-shop", "memoryusage");
        var instance = (await sandbox.InstanceIdsAsync("contoso-shop"))[0];

        Assert.AreEqual("Success", first);
        Assert.AreEqual("Warning", second);
        Assert.AreEqual("Critical", third);
        Assert.AreEqual(3584 * MiB, await WorkingSetAsync(sandbox, $"{Site("contoso-shop")}/instances/{instance}/processes/1"));
    }

    [TestMethod]
    public async Task CpuSaturation_ScaleOutLowersCpuInProportion()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);
        var before = await PlanCpuAsync(sandbox, clock);

        await ScaleAsync(sandbox, "plan-cpu-prod", new { sku = new { capacity = 4 } });
        clock.Advance(TimeSpan.FromMinutes(1));
        var after = await PlanCpuAsync(sandbox, clock);

        Assert.AreEqual(2, before.Count);
        Assert.IsTrue(before.All(c => c == 95), string.Join(",", before));
        Assert.AreEqual(4, after.Count, "four instances after the scale-out");
        Assert.IsTrue(after.All(c => c == 47.5), "cpu = min(95, 95 x 2 / capacity): " + string.Join(",", after));
        var site = await sandbox.GetJsonAsync($"{Site("contoso-cpu")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=Http5xx&aggregation=Total&timespan={Span(clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(1))}");
        Assert.AreEqual(0, site["value"]![0]!["timeseries"]![0]!["data"]![0]!["total"]!.GetValue<double>(), "no more errors once the CPU is below 70 %");
        var app = await sandbox.AppAsync("contoso-cpu");
        Assert.AreEqual(1, app["scaleOperations"]!.GetValue<int>());
        Assert.AreEqual(4, app["planCapacity"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task CpuSaturation_ScaleUpLowersCpuToo()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);

        await ScaleAsync(sandbox, "plan-cpu-prod", new { sku = new { name = "S2", tier = "Standard" } });
        var after = await PlanCpuAsync(sandbox, clock);

        Assert.IsTrue(after.All(c => c == 47.5), "S2 has twice the cores of S1: " + string.Join(",", after));
        var plan = await sandbox.GetJsonAsync($"{Plan("plan-cpu-prod")}?{Api}");
        Assert.AreEqual("S2", plan["sku"]!["name"]!.GetValue<string>());
        Assert.AreEqual(0, (await sandbox.AppAsync("contoso-cpu"))["restartCount"]!.GetValue<int>(), "a scale-up is not counted as a restart");
    }

    [TestMethod]
    public async Task OneBadInstance_OnlyInstanceZeroIsSick_KillingItsWorkerFixesIt()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);
        var instances = await sandbox.InstanceIdsAsync("contoso-onebad");

        var health = await HealthByInstanceAsync(sandbox, clock);
        var states = await InstanceStatesAsync(sandbox);
        var otherStart = (await sandbox.GetJsonAsync($"{Site("contoso-onebad")}/instances/{instances[1]}/processes/1?{Api}"))["properties"]!["start_time"]!.GetValue<string>();

        CollectionAssert.AreEqual(new[] { 0.0, 100.0, 100.0 }, instances.Select(i => health[i]).ToArray());
        CollectionAssert.AreEqual(new[] { "UNKNOWN", "READY", "READY" }, instances.Select(i => states[i]).ToArray());

        clock.Advance(TimeSpan.FromMinutes(1));
        using var kill = await sandbox.Client().DeleteAsync($"{Site("contoso-onebad")}/instances/{instances[0]}/processes/1?{Api}");
        Assert.AreEqual(HttpStatusCode.NoContent, kill.StatusCode);
        using var again = await sandbox.Client().DeleteAsync($"{Site("contoso-onebad")}/instances/{instances[0]}/processes/1?{Api}");
        Assert.AreEqual(HttpStatusCode.NotFound, again.StatusCode, "that process is gone");

        health = await HealthByInstanceAsync(sandbox, clock);
        states = await InstanceStatesAsync(sandbox);
        CollectionAssert.AreEqual(new[] { 100.0, 100.0, 100.0 }, instances.Select(i => health[i]).ToArray());
        CollectionAssert.AreEqual(new[] { "READY", "READY", "READY" }, instances.Select(i => states[i]).ToArray());
        Assert.AreEqual(otherStart, (await sandbox.GetJsonAsync($"{Site("contoso-onebad")}/instances/{instances[1]}/processes/1?{Api}"))["properties"]!["start_time"]!.GetValue<string>(), "the other instances are untouched");
        var app = await sandbox.AppAsync("contoso-onebad");
        Assert.AreEqual(1, app["killCount"]!.GetValue<int>());
        Assert.AreEqual(0, app["restartCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task PlatformOutage_ResourceHealthUnavailable_AndActionsChangeNothing()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);
        var healthPath = $"{Site("contoso-outage")}/providers/Microsoft.ResourceHealth/availabilityStatuses/current?api-version=2024-02-01";

        var before = await sandbox.GetJsonAsync(healthPath);
        using var restart = await sandbox.Client().PostAsync($"{Site("contoso-outage")}/restart?{Api}", null);
        await ScaleAsync(sandbox, "plan-outage-prod", new { sku = new { capacity = 3 } });
        clock.Advance(TimeSpan.FromMinutes(5));
        var after = await sandbox.GetJsonAsync(healthPath);
        var errors = await sandbox.GetJsonAsync($"{Site("contoso-outage")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=Http5xx&aggregation=Total&timespan={Span(clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(1))}");
        var shop = await sandbox.GetJsonAsync($"{Site("contoso-shop")}/providers/Microsoft.ResourceHealth/availabilityStatuses/current?api-version=2024-02-01");

        foreach (var status in new[] { before, after })
        {
            Assert.AreEqual("Unavailable", status["properties"]!["availabilityState"]!.GetValue<string>());
            Assert.AreEqual("PlatformInitiated", status["properties"]!["reasonType"]!.GetValue<string>());
        }

        Assert.AreEqual(HttpStatusCode.OK, restart.StatusCode);
        Assert.AreEqual(3 * 600, errors["value"]![0]!["timeseries"]![0]!["data"]![0]!["total"]!.GetValue<double>(), "every request still fails, on all three instances");
        Assert.AreEqual("Available", shop["properties"]!["availabilityState"]!.GetValue<string>(), "app-level trouble is not a platform problem");
    }

    [TestMethod]
    public async Task CrashLoop_WorkerAlwaysStartedWithin30Seconds_AndRestartDoesNotFixIt()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);
        var instance = (await sandbox.InstanceIdsAsync("contoso-crash"))[0];

        foreach (var step in new[] { 0, 45, 100, 3600 })
        {
            clock.Advance(TimeSpan.FromSeconds(step));
            var started = DateTimeOffset.Parse((await sandbox.GetJsonAsync($"{Site("contoso-crash")}/instances/{instance}/processes/1?{Api}"))["properties"]!["start_time"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            var age = clock.GetUtcNow() - started;
            Assert.IsTrue(age >= TimeSpan.Zero && age < TimeSpan.FromSeconds(30), $"worker age {age}");
        }

        using var restart = await sandbox.Client().PostAsync($"{Site("contoso-crash")}/restart?{Api}", null);
        clock.Advance(TimeSpan.FromMinutes(2));
        var errors = await sandbox.GetJsonAsync($"{Site("contoso-crash")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=Http5xx&aggregation=Total&timespan={Span(clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(1))}");
        var crashes = await sandbox.GetJsonAsync($"{Site("contoso-crash")}/detectors/sitecrashes?{Api}");

        Assert.AreEqual(HttpStatusCode.OK, restart.StatusCode);
        Assert.IsTrue(errors["value"]![0]!["timeseries"]![0]!["data"]![0]!["total"]!.GetValue<double>() > 0);
        Assert.AreEqual("Critical", crashes["properties"]!["status"]!["statusId"]!.GetValue<string>());
        Assert.IsTrue(crashes["properties"]!["dataset"]![0]!["table"]!["rows"]!.AsArray().Count > 10);
    }

    [TestMethod]
    public async Task SynchronousRestart_AnswersAfterTheRestart()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        using var response = await sandbox.Client().PostAsync($"{Site("contoso-api")}/restart?softRestart=true&synchronous=true&{Api}", null);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.IsTrue(watch.Elapsed >= TimeSpan.FromMilliseconds(190), watch.Elapsed.ToString());
        Assert.AreEqual(1, (await sandbox.AppAsync("contoso-api"))["restartCount"]!.GetValue<int>());
    }

    private static async Task<long> WorkingSetAsync(SandboxHost sandbox, string process) =>
        (await sandbox.GetJsonAsync($"{process}?{Api}"))["properties"]!["working_set"]!.GetValue<long>();

    private static string Span(DateTimeOffset from, DateTimeOffset to) =>
        $"{from.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}/{to.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";

    // The metrics name instances by machine name (as Azure does): the instance's process record says which.
    private static async Task<string> MachineNameAsync(SandboxHost sandbox, string site, string instance) =>
        (await sandbox.GetJsonAsync($"{Site(site)}/instances/{instance}/processes?{Api}"))["value"]![0]!["properties"]!["machineName"]!.GetValue<string>();

    private static async Task<List<double>> MetricAsync(SandboxHost sandbox, string resource, string metric, string machineName, DateTimeOffset from, DateTimeOffset to)
    {
        var body = await sandbox.GetJsonAsync($"{resource}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames={metric}&aggregation=Average&interval=PT1M&timespan={Span(from, to)}&$filter=Instance eq '{machineName}'");
        return [.. body["value"]![0]!["timeseries"]![0]!["data"]!.AsArray().Where(p => p!["average"] is not null).Select(p => p!["average"]!.GetValue<double>())];
    }

    private static async Task<List<double>> PlanCpuAsync(SandboxHost sandbox, ManualClock clock)
    {
        var body = await sandbox.GetJsonAsync($"{Plan("plan-cpu-prod")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=CpuPercentage&aggregation=Average&timespan={Span(clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(1))}&$filter=Instance eq '*'");
        return [.. body["value"]![0]!["timeseries"]!.AsArray().Select(s => s!["data"]![0]!["average"]!.GetValue<double>())];
    }

    private static async Task<Dictionary<string, double>> HealthByInstanceAsync(SandboxHost sandbox, ManualClock clock)
    {
        var body = await sandbox.GetJsonAsync($"{Site("contoso-onebad")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=HealthCheckStatus&aggregation=Average&timespan={Span(clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(1))}&$filter=Instance eq '*'");
        var byMachine = body["value"]![0]!["timeseries"]!.AsArray().ToDictionary(
            s => s!["metadatavalues"]![0]!["value"]!.GetValue<string>(),
            s => s!["data"]![0]!["average"]!.GetValue<double>());
        var byInstance = new Dictionary<string, double>();
        foreach (var instance in await sandbox.InstanceIdsAsync("contoso-onebad"))
        {
            byInstance[instance] = byMachine[await MachineNameAsync(sandbox, "contoso-onebad", instance)];
        }

        return byInstance;
    }

    private static async Task<Dictionary<string, string>> InstanceStatesAsync(SandboxHost sandbox) =>
        (await sandbox.GetJsonAsync($"{Site("contoso-onebad")}/instances?{Api}"))["value"]!.AsArray()
            .ToDictionary(i => i!["name"]!.GetValue<string>(), i => i!["properties"]!["state"]!.GetValue<string>());

    private static async Task<string> DetectorStatusAsync(SandboxHost sandbox, string site, string detector) =>
        (await sandbox.GetJsonAsync($"{Site(site)}/detectors/{detector}?{Api}"))["properties"]!["status"]!["statusId"]!.GetValue<string>();

    /// <summary>PATCH the plan and poll its operation to the end, as an ARM client does.</summary>
    internal static async Task ScaleAsync(SandboxHost sandbox, string plan, object body)
    {
        var client = sandbox.Client();
        using var response = await client.PatchAsJsonAsync($"{Plan(plan)}?{Api}", body);
        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode, await response.Content.ReadAsStringAsync());
        var operation = response.Headers.GetValues("Azure-AsyncOperation").Single();
        for (var poll = 0; poll < 10; poll++)
        {
            var status = (await client.GetFromJsonAsync<JsonObject>(operation))!["status"]!.GetValue<string>();
            if (status == "Succeeded")
            {
                return;
            }

            Assert.AreEqual("InProgress", status);
        }

        Assert.Fail("the operation never succeeded");
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static AutoRemediate.Sandbox.Tests.SandboxHost;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>POST /sandbox/faults: throttling, errors, latency and broken streams on matching requests.</summary>
[TestClass]
public sealed class FaultTests
{
    [TestMethod]
    public async Task Status429WithRetryAfter_ThenNormalAnswer_BothLogged()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var id = await sandbox.AddFaultAsync(new { method = "GET", pathContains = "/sites/contoso-api", status = 429, retryAfterSeconds = 7 });
        var client = sandbox.Client();

        using var throttled = await client.GetAsync($"{Site("contoso-api")}?{Api}");
        using var next = await client.GetAsync($"{Site("contoso-api")}?{Api}");

        Assert.AreEqual((HttpStatusCode)429, throttled.StatusCode);
        Assert.AreEqual(TimeSpan.FromSeconds(7), throttled.Headers.RetryAfter!.Delta);
        Assert.AreEqual("TooManyRequests", (await throttled.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.AreEqual(HttpStatusCode.OK, next.StatusCode);
        var log = sandbox.Requests.Snapshot().Where(r => r.Path.EndsWith("/sites/contoso-api", StringComparison.Ordinal)).ToList();
        CollectionAssert.AreEqual(new[] { 429, 200 }, log.Select(r => r.Status).ToArray());
        Assert.AreEqual(id, log[0].FaultId);
        Assert.IsNull(log[1].FaultId);
    }

    [TestMethod]
    public async Task Status500Once_TheRestartIsNotDone_TheRetryIs()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { method = "POST", pathContains = "/sites/contoso-shop/restart", status = 500 });
        var client = sandbox.Client();

        using var failed = await client.PostAsync($"{Site("contoso-shop")}/restart?{Api}", null);
        var countAfterFailure = (await sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>();
        using var retried = await client.PostAsync($"{Site("contoso-shop")}/restart?{Api}", null);

        Assert.AreEqual(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.AreEqual(0, countAfterFailure);
        Assert.AreEqual(HttpStatusCode.OK, retried.StatusCode);
        Assert.AreEqual(1, (await sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>(), "exactly one restart");
    }

    [TestMethod]
    public async Task Times_AppliesToThatManyRequests_InCreationOrder()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { pathContains = "contoso-cpu", status = 503, times = 2 });
        await sandbox.AddFaultAsync(new { pathContains = "contoso-cpu", status = 504 });
        var client = sandbox.Client();

        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync($"{Site("contoso-cpu")}?{Api}");
            statuses.Add((int)response.StatusCode);
        }

        CollectionAssert.AreEqual(new[] { 503, 503, 504, 200 }, statuses);
        var faults = (await sandbox.Client(null).GetFromJsonAsync<JsonArray>("/sandbox/faults"))!;
        CollectionAssert.AreEqual(new[] { 2, 1 }, faults.Select(f => f!["applied"]!.GetValue<int>()).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 0 }, faults.Select(f => f!["remaining"]!.GetValue<int>()).ToArray());
    }

    [TestMethod]
    public async Task DelayMs_AnswersNormallyButLate()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { pathContains = "/instances", delayMs = 400 });
        var watch = Stopwatch.StartNew();

        using var response = await sandbox.Client().GetAsync($"{Site("contoso-api")}/instances?{Api}");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.IsTrue(watch.Elapsed >= TimeSpan.FromMilliseconds(390), watch.Elapsed.ToString());
    }

    [TestMethod]
    public async Task BreakAfterBytes_DumpStreamBreaksAfterThatMuch()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var instance = (await sandbox.InstanceIdsAsync("contoso-shop"))[0];
        await sandbox.AddFaultAsync(new { pathContains = "/dump", breakAfterBytes = 1_000_000, dumpSizeBytes = 8 * 1024 * 1024 });

        using var response = await sandbox.Client().GetAsync($"{Site("contoso-shop")}/instances/{instance}/processes/1/dump?{Api}", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long read = 0;
        // The connection ends early: a premature end (HttpIOException) or a reset, depending on timing.
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
        });

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual(8L * 1024 * 1024, response.Content.Headers.ContentLength);
        Assert.AreEqual(1_000_000, read, "every byte before the break arrives");
    }

    [TestMethod]
    public async Task KuduRoutes_GetFaultsToo()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { method = "DELETE", pathContains = "/scm/contoso-onebad/api/processes", status = 502 });

        using var response = await sandbox.Client().DeleteAsync("/scm/contoso-onebad/api/processes/0");

        Assert.AreEqual(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.AreEqual(0, (await sandbox.AppAsync("contoso-onebad"))["killCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Reset_ReloadsStateAndClearsFaultsAndLog()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var client = sandbox.Client();
        await client.PostAsync($"{Site("contoso-shop")}/restart?{Api}", null);
        await sandbox.AddFaultAsync(new { pathContains = "contoso-shop", status = 500 });

        using var reset = await sandbox.Client(null).PostAsync("/sandbox/reset", null);

        Assert.AreEqual(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.AreEqual(0, (await sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>());
        Assert.AreEqual(0, (await sandbox.Client(null).GetFromJsonAsync<JsonArray>("/sandbox/faults"))!.Count);
        Assert.AreEqual(0, sandbox.Requests.Snapshot().Count);
        using var site = await client.GetAsync($"{Site("contoso-shop")}?{Api}");
        Assert.AreEqual(HttpStatusCode.OK, site.StatusCode, "the fault is gone");
    }

    [TestMethod]
    public async Task Faults_DeleteClearsAll_AndBadFaults400()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var control = sandbox.Client(null);
        await sandbox.AddFaultAsync(new { pathContains = "contoso-shop", status = 500, times = 5 });

        using var bad = await control.PostAsJsonAsync("/sandbox/faults", new { status = 500 });
        using var cleared = await control.DeleteAsync("/sandbox/faults");
        using var site = await sandbox.Client().GetAsync($"{Site("contoso-shop")}?{Api}");

        Assert.AreEqual(HttpStatusCode.BadRequest, bad.StatusCode, "pathContains is required");
        Assert.AreEqual(HttpStatusCode.NoContent, cleared.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, site.StatusCode);
    }
}

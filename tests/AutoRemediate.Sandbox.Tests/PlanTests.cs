using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static AutoRemediate.Sandbox.Tests.SandboxHost;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>PATCH of a plan: the long-running operation, sync mode, validation, and autoscale taking capacity back.</summary>
[TestClass]
public sealed class PlanTests
{
    private static readonly DateTimeOffset s_start = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    [TestMethod]
    public async Task Patch_Async_InProgressOnFirstPoll_ThenSucceeded_ChangeAppliedOnlyThen()
    {
        await using var sandbox = await SandboxHost.StartAsync(new ManualClock(s_start));
        var client = sandbox.Client();

        using var patch = await client.PatchAsJsonAsync($"{Plan("plan-shop-prod")}?{Api}", new { sku = new { name = "P2v3", tier = "PremiumV3", capacity = 3 } });
        var operation = patch.Headers.GetValues("Azure-AsyncOperation").Single();
        var pending = await sandbox.GetJsonAsync($"{Plan("plan-shop-prod")}?{Api}");
        using var first = await client.GetAsync(operation);
        var firstBody = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        using var second = await client.GetAsync(operation);
        var secondBody = (await second.Content.ReadFromJsonAsync<JsonObject>())!;
        var done = await sandbox.GetJsonAsync($"{Plan("plan-shop-prod")}?{Api}");

        Assert.AreEqual(HttpStatusCode.Accepted, patch.StatusCode);
        Assert.AreEqual("P1v3", pending["sku"]!["name"]!.GetValue<string>(), "nothing changes before the operation succeeds");
        Assert.AreEqual("InProgress", pending["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.AreEqual(HttpStatusCode.Accepted, first.StatusCode);
        Assert.AreEqual("InProgress", firstBody["status"]!.GetValue<string>());
        Assert.AreEqual("1", first.Headers.GetValues("Retry-After").Single());
        Assert.AreEqual(HttpStatusCode.OK, second.StatusCode);
        Assert.AreEqual("Succeeded", secondBody["status"]!.GetValue<string>());
        Assert.AreEqual("P2v3", done["sku"]!["name"]!.GetValue<string>());
        Assert.AreEqual("Pv3", done["sku"]!["family"]!.GetValue<string>());
        Assert.AreEqual(3, done["sku"]!["capacity"]!.GetValue<int>());
        Assert.AreEqual("Succeeded", done["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.AreEqual(3, (await sandbox.InstanceIdsAsync("contoso-shop")).Count);
        Assert.AreEqual(1, (await sandbox.AppAsync("contoso-shop"))["scaleOperations"]!.GetValue<int>());
        Assert.AreEqual(2, sandbox.Requests.Snapshot().Count(r => r.Path.Contains("/operationresults/", StringComparison.Ordinal)), "polls are ARM calls: logged");
    }

    [TestMethod]
    public async Task Patch_LocationHeader_PollsLikeAzureAsyncOperation()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var client = sandbox.Client();

        using var patch = await client.PatchAsJsonAsync($"{Plan("plan-shop-prod")}?{Api}", new { sku = new { capacity = 4 } });
        var location = patch.Headers.Location!;
        using var first = await client.GetAsync(location);
        using var second = await client.GetAsync(location);

        Assert.AreEqual(HttpStatusCode.Accepted, first.StatusCode, "202 while running");
        Assert.AreEqual(HttpStatusCode.OK, second.StatusCode, "200 when done");
        Assert.AreEqual(4, (await sandbox.GetJsonAsync($"{Plan("plan-shop-prod")}?{Api}"))["sku"]!["capacity"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Patch_NobodyPolls_OperationCompletesAfter30SandboxSeconds()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);

        using var patch = await sandbox.Client().PatchAsJsonAsync($"{Plan("plan-onebad-prod")}?{Api}", new { sku = new { capacity = 5 } });
        clock.Advance(TimeSpan.FromSeconds(29));
        var early = await sandbox.GetJsonAsync($"{Plan("plan-onebad-prod")}?{Api}");
        clock.Advance(TimeSpan.FromSeconds(1));
        var late = await sandbox.GetJsonAsync($"{Plan("plan-onebad-prod")}?{Api}");

        Assert.AreEqual(3, early["sku"]!["capacity"]!.GetValue<int>());
        Assert.AreEqual(5, late["sku"]!["capacity"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Patch_SyncModeFromTheFault_200AndAppliedAtOnce()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { method = "PATCH", pathContains = "serverfarms/plan-crash-prod", lroMode = "sync" });

        using var patch = await sandbox.Client().PatchAsJsonAsync($"{Plan("plan-crash-prod")}?{Api}", new { properties = new { perSiteScaling = false } });

        Assert.AreEqual(HttpStatusCode.OK, patch.StatusCode);
        Assert.IsFalse(patch.Headers.Contains("Azure-AsyncOperation"));
        Assert.AreEqual(1, (await sandbox.AppAsync("contoso-crash"))["scaleOperations"]!.GetValue<int>(), "every plan change counts");
    }

    [TestMethod]
    public async Task Patch_OperationFailedByFault_ReportsFailedAndChangesNothing()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { method = "PATCH", pathContains = "serverfarms/plan-shop-prod", lroResult = "Failed" });
        var client = sandbox.Client();

        using var patch = await client.PatchAsJsonAsync($"{Plan("plan-shop-prod")}?{Api}", new { sku = new { capacity = 6 } });
        var operation = patch.Headers.GetValues("Azure-AsyncOperation").Single();
        await client.GetAsync(operation);
        var final = (await client.GetFromJsonAsync<JsonObject>(operation))!;

        Assert.AreEqual("Failed", final["status"]!.GetValue<string>());
        Assert.IsNotNull(final["error"]!["message"]);
        Assert.AreEqual(2, (await sandbox.GetJsonAsync($"{Plan("plan-shop-prod")}?{Api}"))["sku"]!["capacity"]!.GetValue<int>());
        Assert.AreEqual(0, (await sandbox.AppAsync("contoso-shop"))["scaleOperations"]!.GetValue<int>());
    }

    [TestMethod]
    [DataRow("{\"sku\":{\"capacity\":11}}", "exceeds the maximum number of workers")]
    [DataRow("{\"sku\":{\"capacity\":0}}", "capacity")]
    [DataRow("{\"sku\":{\"name\":\"Z9\"}}", "pricing tier 'Z9'")]
    [DataRow("[1]", "JSON object")]
    public async Task Patch_InvalidBody_400(string body, string message)
    {
        await using var sandbox = await SandboxHost.StartAsync();

        using var patch = await sandbox.Client().PatchAsync($"{Plan("plan-cpu-prod")}?{Api}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.AreEqual(HttpStatusCode.BadRequest, patch.StatusCode);
        StringAssert.Contains((await patch.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["message"]!.GetValue<string>(), message);
    }

    [TestMethod]
    public async Task Patch_WhileAnotherIsRunning_409Conflict()
    {
        await using var sandbox = await SandboxHost.StartAsync(new ManualClock(s_start));
        var client = sandbox.Client();

        using var first = await client.PatchAsJsonAsync($"{Plan("plan-cpu-prod")}?{Api}", new { sku = new { capacity = 3 } });
        using var second = await client.PatchAsJsonAsync($"{Plan("plan-cpu-prod")}?{Api}", new { sku = new { capacity = 4 } });

        Assert.AreEqual(HttpStatusCode.Accepted, first.StatusCode);
        Assert.AreEqual(HttpStatusCode.Conflict, second.StatusCode);
    }

    [TestMethod]
    public async Task Autoscale_MovesAManualCapacityOutsideItsRangeBack_AfterItsEvaluation()
    {
        var clock = new ManualClock(s_start);
        await using var sandbox = await SandboxHost.StartAsync(clock);

        await ScenarioTests.ScaleAsync(sandbox, "plan-cpu-prod", new { sku = new { capacity = 8 } });
        var manual = await sandbox.GetJsonAsync($"{Plan("plan-cpu-prod")}?{Api}");
        clock.Advance(TimeSpan.FromSeconds(61));
        var evaluated = await sandbox.GetJsonAsync($"{Plan("plan-cpu-prod")}?{Api}");
        var plans = (await sandbox.Client(null).GetFromJsonAsync<JsonArray>("/sandbox/plans"))!;

        Assert.AreEqual(8, manual["sku"]!["capacity"]!.GetValue<int>());
        Assert.AreEqual(5, evaluated["sku"]!["capacity"]!.GetValue<int>(), "autoscale's maximum is 5");
        var plan = plans.Single(p => p!["name"]!.GetValue<string>() == "plan-cpu-prod")!;
        Assert.AreEqual(1, plan["scaleOperations"]!.GetValue<int>());
        Assert.AreEqual(1, plan["autoscaleAdjustments"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task RestartSites_RestartsEveryAppOnThePlan()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        using var response = await sandbox.Client().PostAsync($"{Plan("plan-shop-prod")}/restartSites?{Api}", null);

        Assert.AreEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.AreEqual(1, (await sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>());
    }
}

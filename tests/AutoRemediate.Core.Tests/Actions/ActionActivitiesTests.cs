using AutoRemediate.Actions;
using AutoRemediate.Azure;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests.Actions;

/// <summary>
/// The action activity run more than once for the same action (a retry after a crash, a redelivered
/// work item), against the Sandbox and a journal in Azurite: the Sandbox's request log must show one
/// change, never two.
/// </summary>
[TestClass]
public sealed class ActionActivitiesTests
{
    private const string PlanId = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-cpu-prod";
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartSandboxAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopSandboxAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetSandboxAsync() => s_sandbox.ResetAsync();

    private static ServiceProvider Services()
    {
        var services = new ServiceCollection();
        TestServices.AddCore(services, s_sandbox, TestServices.UniqueTables());
        return services.BuildServiceProvider();
    }

    private static int Count(string method, string pathEnd) =>
        s_sandbox.Requests.Snapshot().Count(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.Ordinal) && r.Status is >= 200 and < 300);

    [TestMethod]
    public async Task Execute_RequestCarriesApprovalEnd_WrittenBeforeTheActionAndOnlyOnceWhenRetried()
    {
        await using var services = Services();
        var store = services.GetRequiredService<IIncidentStore>();
        var incidentId = "inc-20251126-00000000000000b7";
        var site = SandboxFixture.SiteId("contoso-shop");
        var now = DateTimeOffset.UtcNow;
        Assert.IsTrue(await store.TryCreateAsync(new IncidentRecord(incidentId, site, "alert-1", "memory-high", "Sev2", IncidentStatus.AwaitingApproval, "Waiting.", now, now)));
        await store.SetPendingApprovalAsync(incidentId, incidentId + "-r1");
        var request = new ActionRequest(incidentId + "-a1", incidentId, site, PlanKind.RestartApp, now, Sequence: 8,
            Approval: new ApprovalStepEnd(7, now, TimelineKinds.ApprovalGranted, "Approved by ops@contoso.com: restart the app."));

        var first = await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);
        await ActivatorUtilities.CreateInstance<ActionActivities>(services).ExecuteAsync(request);

        // A request without ThenVerifying (as an older workflow scheduled it): the status is left to the verification.
        Assert.IsFalse(first.VerifyingWritten);
        var timeline = await store.GetTimelineAsync(incidentId);
        CollectionAssert.AreEqual(new[] { TimelineKinds.ApprovalGranted, TimelineKinds.ActionTaken }, timeline.Select(t => t.Kind).ToArray());
        Assert.AreEqual("Approved by ops@contoso.com: restart the app.", timeline[0].Message);
        var incident = await store.GetAsync(incidentId);
        Assert.IsNull(incident!.PendingApproval, "the incident no longer waits on the request");
        Assert.AreEqual(IncidentStatus.Mitigating, incident.Status);
        Assert.AreEqual(1, Count("POST", "/sites/contoso-shop/restart"));
    }

    [TestMethod]
    public async Task Execute_ThenVerifyingWithTheIncidentsCreationTime_StatusAndListIndexReadVerifyingAfterTheRestart()
    {
        await using var services = Services();
        var store = services.GetRequiredService<IIncidentStore>();
        var incidentId = "inc-20251126-00000000000000b8";
        var site = SandboxFixture.SiteId("contoso-shop");
        var created = DateTimeOffset.UtcNow.AddMinutes(-2);
        Assert.IsTrue(await store.TryCreateAsync(new IncidentRecord(incidentId, site, "alert-1", "memory-high", "Sev2", IncidentStatus.Investigating, "Diagnosing.", created, created)));
        var request = new ActionRequest(incidentId + "-a1", incidentId, site, PlanKind.RestartApp, DateTimeOffset.UtcNow, Sequence: 8,
            Approval: new ApprovalStepEnd(7, DateTimeOffset.UtcNow, TimelineKinds.ApprovalGranted, "Approved by configuration: restart the app."),
            ThenVerifying: "Watching the app: it must stay healthy for 00:05:00 within 00:30:00.", IncidentCreatedAt: created);

        var outcome = await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);

        // The outcome tells the workflow the status is written (its verification then does not write it again).
        Assert.IsTrue(outcome.VerifyingWritten);
        var incident = await store.GetAsync(incidentId);
        Assert.AreEqual(IncidentStatus.Verifying, incident!.Status);
        Assert.AreEqual("Watching the app: it must stay healthy for 00:05:00 within 00:30:00.", incident.Summary);
        Assert.IsNull(incident.PendingApproval);
        Assert.AreEqual(1, Count("POST", "/sites/contoso-shop/restart"));
        // The list shows it where it was created, Verifying, and the live list's status filter finds it
        // (written from what the request carried, without reading the row back).
        var page = await store.ListAsync(new IncidentQuery(null, new HashSet<IncidentStatus> { IncidentStatus.Verifying }, null, 50, null));
        var listed = page.Items.Single(i => i.IncidentId == incidentId);
        Assert.AreEqual(created, listed.CreatedAt);
        CollectionAssert.AreEqual(new[] { TimelineKinds.ApprovalGranted, TimelineKinds.ActionTaken }, (await store.GetTimelineAsync(incidentId)).Select(t => t.Kind).ToArray());
    }

    [TestMethod]
    public async Task ScaleOut_RunTwice_OnePlanChange()
    {
        await using var services = Services();
        var request = new ActionRequest("inc-20251126-00000000000000a1-a1", "inc-20251126-00000000000000a1", SandboxFixture.SiteId("contoso-cpu"), PlanKind.ScaleOut,
            DateTimeOffset.UtcNow, PlanResourceId: PlanId, NewCapacity: 3);

        var first = await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);
        var second = await ActivatorUtilities.CreateInstance<ActionActivities>(services).ExecuteAsync(request);

        Assert.IsTrue(first.RequestSent);
        Assert.IsFalse(second.RequestSent);
        Assert.IsTrue(second.Done);
        Assert.AreEqual(1, Count("PATCH", "/serverfarms/plan-cpu-prod"));
        Assert.AreEqual(1, (await s_sandbox.AppAsync("contoso-cpu"))["scaleOperations"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task ScaleOut_CrashAfterAzureAccepted_RetrySeesTheCapacityAndDoesNotScaleAgain()
    {
        await using var services = Services();
        var journal = services.GetRequiredService<IActionJournal>();
        var request = new ActionRequest("inc-20251126-00000000000000a2-a1", "inc-20251126-00000000000000a2", SandboxFixture.SiteId("contoso-cpu"), PlanKind.ScaleOut,
            DateTimeOffset.UtcNow, PlanResourceId: PlanId, NewCapacity: 3);
        // What a crash right after the call leaves: the journal says "started", Azure has the change.
        await journal.BeginAsync(new ActionRecord(request.ActionId, request.IncidentId, request.TargetResourceId, request.Plan, ActionState.Started, request.At));
        await services.GetRequiredService<IAppServiceClient>().UpdatePlanSkuAsync(PlanId, new PlanSkuChange(Capacity: 3));

        var retry = await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);

        Assert.IsFalse(retry.RequestSent);
        StringAssert.Contains(retry.Message, "already runs 3 instance(s)");
        Assert.AreEqual(1, Count("PATCH", "/serverfarms/plan-cpu-prod"));
    }

    [TestMethod]
    public async Task ScaleOut_CrashBeforeTheCall_RetrySendsIt()
    {
        await using var services = Services();
        var journal = services.GetRequiredService<IActionJournal>();
        var request = new ActionRequest("inc-20251126-00000000000000a3-a1", "inc-20251126-00000000000000a3", SandboxFixture.SiteId("contoso-cpu"), PlanKind.ScaleOut,
            DateTimeOffset.UtcNow, PlanResourceId: PlanId, NewCapacity: 3);
        await journal.BeginAsync(new ActionRecord(request.ActionId, request.IncidentId, request.TargetResourceId, request.Plan, ActionState.Started, request.At));

        var retry = await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);

        Assert.IsTrue(retry.RequestSent);
        Assert.AreEqual(1, Count("PATCH", "/serverfarms/plan-cpu-prod"));
        Assert.AreEqual(3, (await s_sandbox.AppAsync("contoso-cpu"))["planCapacity"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task RestartInstance_RunTwice_OneWorkerEnded()
    {
        await using var services = Services();
        var site = SandboxFixture.SiteId("contoso-onebad");
        var client = services.GetRequiredService<IAppServiceClient>();
        var instance = (await client.ListInstancesAsync(site))[0].InstanceId;
        var worker = (await client.ListProcessesAsync(site, instance))[0].Id;
        var request = new ActionRequest("inc-20251126-00000000000000a4-a1", "inc-20251126-00000000000000a4", site, PlanKind.RestartInstance,
            DateTimeOffset.UtcNow, InstanceId: instance, ProcessId: worker);

        await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);
        // A redelivered work item finds its journal row and does not end a second worker.
        var again = await ActivatorUtilities.CreateInstance<ActionActivities>(services).ExecuteAsync(request with { });

        Assert.IsTrue(again.Done);
        Assert.IsFalse(again.RequestSent);
        Assert.AreEqual(1, s_sandbox.Requests.Snapshot().Count(r => r.Method == "DELETE" && r.Path.Contains("/processes/", StringComparison.Ordinal)));
        Assert.AreEqual(1, (await s_sandbox.AppAsync("contoso-onebad"))["killCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task ScaleUp_SendsTheTierWithTheSku_AndOnlyOnce()
    {
        await using var services = Services();
        var request = new ActionRequest("inc-20251126-00000000000000a5-a1", "inc-20251126-00000000000000a5", SandboxFixture.SiteId("contoso-cpu"), PlanKind.ScaleUp,
            DateTimeOffset.UtcNow, PlanResourceId: PlanId, NewSku: "S2");

        await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);
        await services.GetRequiredService<ActionActivities>().ExecuteAsync(request);

        var app = await s_sandbox.AppAsync("contoso-cpu");
        Assert.AreEqual("S2", app["planSkuName"]!.GetValue<string>());
        Assert.AreEqual("Standard", app["planSkuTier"]!.GetValue<string>());
        Assert.AreEqual(1, Count("PATCH", "/serverfarms/plan-cpu-prod"));
    }

    [TestMethod]
    [DataRow("P1v3", "PremiumV3")]
    [DataRow("P2mv3", "PremiumMV3")]
    [DataRow("P1v2", "PremiumV2")]
    [DataRow("I2v2", "IsolatedV2")]
    [DataRow("S3", "Standard")]
    [DataRow("B2", "Basic")]
    [DataRow("P2", "Premium")]
    [DataRow("Y1", null)]
    public void SkuTiers_TierOfEachFamily(string sku, string? tier) => Assert.AreEqual(tier, SkuTiers.TierOf(sku));
}

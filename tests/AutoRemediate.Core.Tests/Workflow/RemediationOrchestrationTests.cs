using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace AutoRemediate.Core.Tests.Workflow;

/// <summary>The real orchestration and activities on DurableTaskTestHost, against Azurite and the Sandbox.</summary>
[TestClass]
public sealed class RemediationOrchestrationTests
{
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartSandboxAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopSandboxAsync() => await s_sandbox.DisposeAsync();

    private static async Task<(RemediationResult Result, IReadOnlyList<TimelineEntry> Timeline, IncidentRecord Incident)> RunAsync(
        string target, TimeSpan? hold = null, Func<DurableTaskClient, string, TableIncidentStore, string, Task>? whileRunning = null)
    {
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var signal = new AlertSignal("alert-1", "memory-high", "Sev2", "Metric", MonitorCondition.Fired, "Platform", [target], DateTimeOffset.UtcNow, null, null);
        var incidentId = IncidentIds.IncidentIdFor(signal.AlertId, target, signal.FiredAt);
        var now = DateTimeOffset.UtcNow;
        await store.TryCreateAsync(new IncidentRecord(incidentId, target, signal.AlertId, signal.AlertRule, signal.Severity, IncidentStatus.Received, "received", now, now));

        await using var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddRemediationWorkflow(),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort(), ConfigureServices = services => TestServices.AddCore(services, s_sandbox, tables) });
        var instanceId = await host.Client.ScheduleNewOrchestrationInstanceAsync(
            OrchestrationNames.Remediation, new RemediationInput(incidentId, target, signal, new WorkflowSettings(hold ?? TimeSpan.Zero)));
        if (whileRunning is not null)
        {
            await whileRunning(host.Client, instanceId, store, incidentId);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var completed = await host.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);

        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        return (completed.ReadOutputAs<RemediationResult>()!, await store.GetTimelineAsync(incidentId), (await store.GetAsync(incidentId))!);
    }

    private static async Task WaitForStatusAsync(TableIncidentStore store, string incidentId, IncidentStatus status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await store.GetAsync(incidentId))?.Status != status)
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, $"incident never reached {status}");
            await Task.Delay(100);
        }
    }

    [TestMethod]
    public async Task Run_KnownSite_InspectsSiteAndEscalatesWithTimeline()
    {
        var (result, timeline, incident) = await RunAsync(Samples.ShopSiteId);

        Assert.AreEqual(IncidentStatus.Escalated, result.Status);
        Assert.AreEqual(IncidentStatus.Escalated, incident.Status);
        CollectionAssert.AreEqual(new[] { "IncidentOpened", "SiteInspected", "IncidentEscalated" }, timeline.Select(t => t.Kind).ToArray());
        StringAssert.Contains(timeline[1].Message, "contoso-shop is Running");
        Assert.IsTrue(s_sandbox.Requests.Snapshot().Any(r => r.Method == "GET" && r.Path.EndsWith("/sites/contoso-shop", StringComparison.OrdinalIgnoreCase) && r.Status == 200 && r.HadBearerToken));
    }

    [TestMethod]
    public async Task Run_SiteUnknownToArm_RecordsFailureAndStillCloses()
    {
        var (result, timeline, _) = await RunAsync("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/no-such-app");

        Assert.AreEqual(IncidentStatus.Escalated, result.Status);
        CollectionAssert.AreEqual(new[] { "IncidentOpened", "DiagnosticsFailed", "IncidentEscalated" }, timeline.Select(t => t.Kind).ToArray());
        StringAssert.Contains(timeline[1].Message, "ResourceNotFound");
    }

    [TestMethod]
    public async Task Run_PlanTarget_SkipsSiteDiagnostics()
    {
        var (_, timeline, _) = await RunAsync("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-shop-prod");

        CollectionAssert.AreEqual(new[] { "IncidentOpened", "PlanAlert", "IncidentEscalated" }, timeline.Select(t => t.Kind).ToArray());
    }

    [TestMethod]
    public async Task Hold_RepeatThenResolved_RecordsRepeatAndClosesResolved()
    {
        var (result, timeline, incident) = await RunAsync(Samples.ShopSiteId, hold: TimeSpan.FromMinutes(10), whileRunning: async (client, instanceId, store, incidentId) =>
        {
            await WaitForStatusAsync(store, incidentId, IncidentStatus.Escalated);
            await client.RaiseEventAsync(instanceId, EventNames.AlertRepeated, new AlertRepeatedEvent("alert-2", "http-5xx", "Sev1", DateTimeOffset.UtcNow));
            await client.RaiseEventAsync(instanceId, EventNames.AlertResolved, new AlertResolvedEvent("alert-1", "memory-high", DateTimeOffset.UtcNow));
        });

        Assert.AreEqual(IncidentStatus.Resolved, result.Status);
        Assert.AreEqual(IncidentStatus.Resolved, incident.Status);
        CollectionAssert.AreEqual(
            new[] { "IncidentOpened", "SiteInspected", "IncidentEscalated", "AlertRepeated", "IncidentResolved" },
            timeline.Select(t => t.Kind).ToArray());
        StringAssert.Contains(timeline[3].Message, "http-5xx");
    }

    [TestMethod]
    public async Task Hold_NothingHappens_EndsEscalatedAfterTheHold()
    {
        var (result, timeline, incident) = await RunAsync(Samples.ShopSiteId, hold: TimeSpan.FromSeconds(2));

        Assert.AreEqual(IncidentStatus.Escalated, result.Status);
        Assert.AreEqual(IncidentStatus.Escalated, incident.Status);
        Assert.AreEqual("HoldEnded", timeline[^1].Kind);
    }
}

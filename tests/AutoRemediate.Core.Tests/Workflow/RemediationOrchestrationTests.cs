using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Diagnostics;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Workflow;

/// <summary>
/// The real orchestration and activities on DurableTaskTestHost, against Azurite and the Sandbox: the
/// platform check, the approval seam, idempotent actions under faults, and what is recorded when a
/// source fails. The eight end-to-end scenarios run in DevHost.Tests.
/// </summary>
[TestClass]
public sealed class RemediationOrchestrationTests
{
    private static readonly Dictionary<string, string?> s_fast = new()
    {
        ["Workflow:EscalationHold"] = "00:00:00",
        ["Workflow:VerifyInterval"] = "00:00:01",
        ["Workflow:VerifyHealthyFor"] = "00:00:02",
        ["Workflow:VerifyDeadline"] = "00:00:15",
        ["Workflow:DiagnosticsTimeout"] = "00:00:30",
    };

    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartSandboxAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopSandboxAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetSandboxAsync() => s_sandbox.ResetAsync();

    private sealed record Run(RemediationResult Result, IReadOnlyList<TimelineEntry> Timeline, IncidentRecord Incident, IReadOnlyList<Sandbox.LoggedRequest> Requests)
    {
        public IReadOnlyList<string> Kinds => [.. Timeline.Select(t => t.Kind)];

        public string Message(string kind) => Timeline.First(t => t.Kind == kind).Message;

        public int Restarts(string app) => Requests.Count(r => r.Method == "POST" && r.Path.EndsWith($"/sites/{app}/restart", StringComparison.Ordinal) && r.Status == 200);

        public int Changes => Requests.Count(r => r.Method is "POST" or "PATCH" or "DELETE");
    }

    private sealed class Context
    {
        public required DurableTaskClient Client { get; init; }

        public required string InstanceId { get; init; }

        public required string IncidentId { get; init; }

        public required TableIncidentStore Store { get; init; }

        public required IServiceProvider Services { get; init; }

        public async Task WaitForStatusAsync(IncidentStatus status)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await Store.GetAsync(IncidentId))?.Status != status)
            {
                Assert.IsLessThan(deadline, DateTime.UtcNow, $"incident never reached {status}");
                await Task.Delay(100);
            }
        }

        public async Task<string> WaitForApprovalAsync()
        {
            await WaitForStatusAsync(IncidentStatus.AwaitingApproval);
            return (await Store.GetAsync(IncidentId))!.PendingApproval!;
        }

        public Task DecideAsync(string approvalId, bool approve, string approver = "oncall@contoso.com") =>
            Client.RaiseEventAsync(InstanceId, EventNames.ApprovalDecision, new ApprovalDecisionEvent(IncidentId, approvalId, approve, approver, null, DateTimeOffset.UtcNow));
    }

    private static async Task<Run> RunAsync(
        string target,
        string metric = "MemoryWorkingSet",
        double threshold = 1610612736,
        string aggregation = "Average",
        IReadOnlyDictionary<string, string?>? settings = null,
        Func<Context, Task>? before = null,
        Func<Context, Task>? whileRunning = null,
        Action<IServiceCollection>? services = null)
    {
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var all = new Dictionary<string, string?>(s_fast);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var workflow = new WorkflowOptions();
        configuration.GetSection(WorkflowOptions.SectionName).Bind(workflow);
        var now = DateTimeOffset.UtcNow;
        var signal = new AlertSignal(
            "alert-" + Guid.NewGuid().ToString("N"), $"{metric}-high", "Sev2", "Metric", MonitorCondition.Fired, "Platform", [target], now, null, null, SignalKind.MetricStatic,
            [new AlertCondition(metric, "Microsoft.Web/sites", "GreaterThan", threshold.ToString(System.Globalization.CultureInfo.InvariantCulture), threshold * 1.2, aggregation, null)]);
        var incidentId = IncidentIds.IncidentIdFor(signal.AlertId, target, signal.FiredAt);
        await store.TryCreateAsync(new IncidentRecord(incidentId, target, signal.AlertId, signal.AlertRule, signal.Severity, IncidentStatus.Received, "received", now, now));

        void Configure(IServiceCollection s)
        {
            TestServices.AddCore(s, s_sandbox, tables, all);
            services?.Invoke(s);
        }

        await using var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddRemediationWorkflow(),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort(), ConfigureServices = Configure });
        var provider = new ServiceCollection();
        Configure(provider);
        await using var sp = provider.BuildServiceProvider();
        var context = new Context { Client = host.Client, InstanceId = IncidentIds.InstanceIdFor(target), IncidentId = incidentId, Store = store, Services = sp };
        if (before is not null)
        {
            await before(context);
        }

        await host.Client.ScheduleNewOrchestrationInstanceAsync(
            OrchestrationNames.Remediation, new RemediationInput(incidentId, target, signal, workflow.ToSettings()), new StartOrchestrationOptions(context.InstanceId));
        if (whileRunning is not null)
        {
            await whileRunning(context);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var completed = await host.Client.WaitForInstanceCompletionAsync(context.InstanceId, getInputsAndOutputs: true, timeout.Token);

        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        return new Run(completed.ReadOutputAs<RemediationResult>()!, await store.GetTimelineAsync(incidentId), (await store.GetAsync(incidentId))!, s_sandbox.Requests.Snapshot());
    }

    [TestMethod]
    public async Task Run_PlanTarget_EscalatesWithoutActing()
    {
        var run = await RunAsync("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-shop-prod");

        CollectionAssert.AreEqual(new[] { "IncidentOpened", "PlanAlert", "IncidentEscalated" }, run.Kinds.ToArray());
        Assert.AreEqual(0, run.Changes);
    }

    [TestMethod]
    public async Task Run_SiteUnknownToArm_RecordsFailureAndEscalates()
    {
        var run = await RunAsync(SandboxFixture.SiteId("no-such-app"));

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        StringAssert.Contains(run.Message("DiagnosticsFailed"), "ResourceNotFound");
        StringAssert.Contains(run.Message("PlatformChecked"), "Resource Health could not be read");
        Assert.AreEqual("IncidentEscalated", run.Kinds[^1]);
        Assert.AreEqual(0, run.Changes);
    }

    [TestMethod]
    public async Task Platform_ServiceHealthIncidentOpenForTheRegion_EscalatesWithoutActing()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), before: c => c.Services.GetRequiredService<IPlatformNotices>().RecordAsync(
            new PlatformNotice("7NBR-1X8", "App Service - West Europe - Investigating", "App Service", "West Europe, North Europe", "Incident", "Active", DateTimeOffset.UtcNow)));

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        StringAssert.Contains(run.Message("PlatformChecked"), "7NBR-1X8");
        StringAssert.Contains(run.Message("PlanChosen"), "Service Health incident is open");
        Assert.IsFalse(run.Kinds.Contains("DiagnosticsCollected"), "no diagnostics when the platform is at fault");
        Assert.AreEqual(0, run.Changes);
    }

    [TestMethod]
    public async Task Platform_ResolvedServiceHealthNotice_DoesNotBlock()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" },
            before: c => c.Services.GetRequiredService<IPlatformNotices>().RecordAsync(
                new PlatformNotice("7NBR-1X8", "App Service - West Europe - Mitigated", "App Service", "West Europe", "Incident", "Resolved", DateTimeOffset.UtcNow)));

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status, string.Join("\n", run.Timeline.Select(t => t.Message)));
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Platform_FleetBreaker_EscalatesWithoutActing()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Policy:FleetBreakerApps"] = "2" },
            before: c => c.Store.TryCreateAsync(new IncidentRecord("inc-20250101-00000000000000aa", SandboxFixture.SiteId("contoso-api"), "a", "r", "Sev2",
                IncidentStatus.Investigating, "s", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)));

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        StringAssert.Contains(run.Message("PlanChosen"), "fleet breaker at 2");
        Assert.AreEqual(0, run.Changes);
    }

    [TestMethod]
    public async Task Approval_Rejected_EscalatesAndNothingIsDone()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), whileRunning: async c => await c.DecideAsync(await c.WaitForApprovalAsync(), approve: false));

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        StringAssert.Contains(run.Message("ApprovalRejected"), "rejected by oncall@contoso.com");
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
        Assert.IsNull(run.Incident.PendingApproval);
    }

    [TestMethod]
    public async Task Approval_NobodyDecides_TimesOutEscalatesAndNothingIsDone()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:ApprovalTimeout"] = "00:00:03" });

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        Assert.IsTrue(run.Kinds.Contains("ApprovalRequested"));
        StringAssert.Contains(run.Message("ApprovalTimedOut"), "Nobody decided");
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Approval_AlertResolvesWhileWaiting_ResolvedAndNothingIsDone()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), whileRunning: async c =>
        {
            await c.WaitForApprovalAsync();
            await c.Client.RaiseEventAsync(c.InstanceId, EventNames.AlertResolved, new AlertResolvedEvent("alert-1", "memory-high", DateTimeOffset.UtcNow));
        });

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.IsTrue(run.Kinds.Contains("ApprovalWithdrawn"));
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Approval_DecisionOnAnotherRequestIgnored_ThenApprovedOnce()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            await c.DecideAsync(approvalId + "-stale", approve: true, approver: "someone@else");
            await Task.Delay(1000);
            Assert.AreEqual(IncidentStatus.AwaitingApproval, (await c.Store.GetAsync(c.IncidentId))!.Status, "a stale decision must not move the incident");
            await c.DecideAsync(approvalId, approve: true);
        });

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        StringAssert.Contains(run.Message("ApprovalGranted"), "oncall@contoso.com");
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Approval_ScaleOut_TheRequestNamesTheAutoscaleSetting()
    {
        string? asked = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-cpu"), metric: "HttpResponseTime", threshold: 2, whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            asked = (await c.Store.GetTimelineAsync(c.IncidentId)).Single(t => t.Kind == "ApprovalRequested").Message;
            await c.DecideAsync(approvalId, approve: true);
        });

        StringAssert.Contains(asked, "ScaleOut (to 3 instances)");
        StringAssert.Contains(asked, "autoscale setting (range 2-5)");
        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.AreEqual(1, run.Requests.Count(r => r.Method == "PATCH" && r.Path.EndsWith("/serverfarms/plan-cpu-prod", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task Act_ScaleOutOfAPlanOutsideScope_NotScaledAndEscalatedWithTheReason()
    {
        // Scope lists the app, not its plan: scaling would change every app on plan-cpu-prod.
        var run = await RunAsync(SandboxFixture.SiteId("contoso-cpu"), metric: "HttpResponseTime", threshold: 2, settings: new Dictionary<string, string?>
        {
            ["Workflow:AutoApprove"] = "true",
            ["Scope:AllowedResourceIds:0"] = SandboxFixture.SiteId("contoso-cpu"),
        });

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        StringAssert.Contains(run.Message("ActionFailed"), "plan-cpu-prod is not scaled");
        StringAssert.Contains(run.Message("ActionFailed"), "Scope:AllowedResourceIds");
        Assert.AreEqual(0, run.Requests.Count(r => r.Method == "PATCH"));
    }

    [TestMethod]
    public async Task Action_FaultAfterTheRestartWasSent_RetryDoesNotRestartAgain()
    {
        var journal = new FaultyJournal();
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" },
            services: s => s.AddSingleton<IActionJournal>(sp => journal.Wrap(ActivatorUtilities.CreateInstance<TableActionJournal>(sp))));

        Assert.AreEqual(1, journal.Faults, "the fault was injected once");
        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.AreEqual(1, run.Restarts("contoso-shop"), "one restart, however often the activity ran");
        StringAssert.Contains(run.Message("ActionTaken"), "already been restarted by an earlier attempt");
    }

    [TestMethod]
    public async Task Diagnostics_DetectorsFail_RecordedAndTheWorkflowGoesOn()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" },
            before: _ => s_sandbox.AddFaultAsync(new { pathContains = "/detectors/", status = 500, times = 1000 }));

        StringAssert.Contains(run.Message("DiagnosticsCollected"), "sitecrashes Failed");
        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    [DataRow("Evidence:DumpsEnabled", "false", "turned off")]
    [DataRow("Evidence:MaxDumpBytes", "1048576", "over the 1 MiB dump budget")]
    public async Task Evidence_DumpNotAttempted_SkippedWithTheReasonAndTheRestartGoesAhead(string setting, string value, string reason)
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true", [setting] = value });

        StringAssert.Contains(run.Message("DumpSkipped"), reason);
        Assert.AreEqual(0, run.Requests.Count(r => r.Path.EndsWith("/dump", StringComparison.Ordinal)));
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Evidence_DumpSlowerThanTheBudget_AbandonedAndTheRestartGoesAhead()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true", ["Evidence:DumpTimeBudget"] = "00:00:05" },
            before: _ => s_sandbox.AddFaultAsync(new { pathContains = "/dump", delayMs = 15000, times = 10 }));

        StringAssert.Contains(run.Message("DumpSkipped"), "longer than the 5 s budget");
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
        var container = new global::Azure.Storage.Blobs.BlobServiceClient(AzuriteFixture.ConnectionString).GetBlobContainerClient("dumps");
        var blobs = 0;
        if (await container.ExistsAsync())
        {
            await foreach (var _ in container.GetBlobsAsync(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, run.Incident.IncidentId + "/", default))
            {
                blobs++;
            }
        }

        Assert.AreEqual(0, blobs, "nothing is kept of an abandoned dump");
    }

    [TestMethod]
    public async Task Hold_RepeatThenResolved_RecordsRepeatAndClosesResolved()
    {
        // contoso-api is healthy: nothing explains the alert, so the incident escalates and is held.
        var run = await RunAsync(SandboxFixture.SiteId("contoso-api"), settings: new Dictionary<string, string?> { ["Workflow:EscalationHold"] = "00:10:00" }, whileRunning: async c =>
        {
            await c.WaitForStatusAsync(IncidentStatus.Escalated);
            await c.Client.RaiseEventAsync(c.InstanceId, EventNames.AlertRepeated, new AlertRepeatedEvent("alert-2", "http-5xx", "Sev1", DateTimeOffset.UtcNow));
            await c.Client.RaiseEventAsync(c.InstanceId, EventNames.AlertResolved, new AlertResolvedEvent("alert-1", "memory-high", DateTimeOffset.UtcNow));
        });

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.AreEqual(IncidentStatus.Resolved, run.Incident.Status);
        CollectionAssert.AreEqual(new[] { "IncidentEscalated", "AlertRepeated", "IncidentResolved" }, run.Kinds.TakeLast(3).ToArray());
        StringAssert.Contains(run.Message("AlertRepeated"), "http-5xx");
        StringAssert.Contains(run.Message("PlanChosen"), "Nothing in the evidence explains the alert");
        Assert.AreEqual(0, run.Changes);
    }

    [TestMethod]
    public async Task Hold_NothingHappens_EndsEscalatedAfterTheHold()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-api"), settings: new Dictionary<string, string?> { ["Workflow:EscalationHold"] = "00:00:02" });

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        Assert.AreEqual(IncidentStatus.Escalated, run.Incident.Status);
        Assert.AreEqual("HoldEnded", run.Kinds[^1]);
    }

    // The real journal, except that recording "sent" fails once: the restart went out, the activity did not complete.
    private sealed class FaultyJournal
    {
        private int _faults;

        public int Faults => _faults;

        public IActionJournal Wrap(IActionJournal inner) => new Faulting(inner, this);

        private sealed class Faulting(IActionJournal inner, FaultyJournal owner) : IActionJournal
        {
            public Task<(ActionRecord Record, bool Existed)> BeginAsync(ActionRecord action, CancellationToken cancellationToken = default) => inner.BeginAsync(action, cancellationToken);

            public Task UpdateAsync(ActionRecord action, ActionState state, string message, CancellationToken cancellationToken = default) =>
                state == ActionState.Sent && Interlocked.Increment(ref owner._faults) == 1
                    ? throw new InvalidOperationException("Injected: the worker died after Azure accepted the call.")
                    : inner.UpdateAsync(action, state, message, cancellationToken);

            public Task FinishAsync(string targetResourceId, string incidentId, CancellationToken cancellationToken = default) => inner.FinishAsync(targetResourceId, incidentId, cancellationToken);

            public Task<IReadOnlyList<ActionRecord>> RecentAsync(string targetResourceId, DateTimeOffset since, CancellationToken cancellationToken = default) => inner.RecentAsync(targetResourceId, since, cancellationToken);

            public Task<int> CountRunningAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => inner.CountRunningAsync(since, cancellationToken);
        }
    }
}

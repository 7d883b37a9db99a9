using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Azure.Data.Tables;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using System.Text.Json.Nodes;
using Moq;

namespace AutoRemediate.Core.Tests.Workflow;

/// <summary>
/// The real orchestration and activities on DurableTaskTestHost, against Azurite and the Sandbox: the
/// platform check, the approval seam, idempotent actions under faults, and what is recorded when a
/// source fails. The eight end-to-end scenarios run in DevHost.Tests.
/// </summary>
[TestClass]
public sealed class RemediationOrchestrationTests
{
    private static readonly Dictionary<string, string?> s_fast = FastWorkflow.Settings();

    // The policy runs a restart without asking, and configuration approves everything else.
    private static readonly Dictionary<string, string?> s_autoApprovedRestart = new()
    {
        ["Workflow:AutoApprove"] = "true",
        ["Policy:AutoApprovedPlans:0"] = "RestartApp",
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

        // Through the decision endpoint's Core entry point: claim first, then the event.
        public Task<DecisionOutcome> ClaimAsync(string approvalId, bool approve, string approver, TimeProvider? time = null)
        {
            var decisions = time is null
                ? Services.GetRequiredService<ApprovalDecisions>()
                : ActivatorUtilities.CreateInstance<ApprovalDecisions>(Services, time);
            return decisions.DecideAsync(IncidentId, new DecisionRequest(approvalId, approve, approver, null), Client);
        }
    }

    // The test Azurite's connection string with one service (BlobEndpoint, TableEndpoint) moved to a port where nothing listens.
    private static string StorageDown(string endpoint) =>
        System.Text.RegularExpressions.Regex.Replace(AzuriteFixture.ConnectionString, endpoint + @"=http://127\.0\.0\.1:\d+", $"{endpoint}=http://127.0.0.1:{LoopbackPorts.Free(1)[0]}");

    private static async Task<Run> RunAsync(
        string target,
        string metric = "MemoryWorkingSet",
        double threshold = 1610612736,
        string aggregation = "Average",
        IReadOnlyDictionary<string, string?>? settings = null,
        Func<Context, Task>? before = null,
        Func<Context, Task>? whileRunning = null,
        Action<IServiceCollection>? services = null,
        string? storage = null,
        OrchestrationRuntimeStatus expect = OrchestrationRuntimeStatus.Completed)
    {
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables, storage);
        var all = new Dictionary<string, string?>(s_fast);
        if (storage is not null)
        {
            all["AzureWebJobsStorage"] = storage;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var now = DateTimeOffset.UtcNow;
        var signal = new AlertSignal(
            "alert-" + Guid.NewGuid().ToString("N"), $"{metric}-high", "Sev2", "Metric", MonitorCondition.Fired, "Platform", [target], now, null, null, SignalKind.MetricStatic,
            [new AlertCondition(metric, "Microsoft.Web/sites", "GreaterThan", threshold.ToString(System.Globalization.CultureInfo.InvariantCulture), threshold * 1.2, aggregation, null)],
            // A 1-minute rule, so a restart shows on the next verification poll.
            new EvaluationWindow(TimeSpan.FromMinutes(1), now.AddMinutes(-1), now));
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
            OrchestrationNames.Remediation,
            // The settings as the ingest path builds them (Workflow options, and Evidence:DumpsEnabled copied into them).
            new RemediationInput(incidentId, target, signal, sp.GetRequiredService<IOptions<WorkflowOptions>>().Value.ToSettings()), new StartOrchestrationOptions(context.InstanceId));
        if (whileRunning is not null)
        {
            await whileRunning(context);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var completed = await host.Client.WaitForInstanceCompletionAsync(context.InstanceId, getInputsAndOutputs: true, timeout.Token);

        Assert.AreEqual(expect, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        return new Run(
            expect == OrchestrationRuntimeStatus.Completed ? completed.ReadOutputAs<RemediationResult>()! : new RemediationResult(incidentId, IncidentStatus.Received, "not completed"),
            await store.GetTimelineAsync(incidentId), (await store.GetAsync(incidentId))!, s_sandbox.Requests.Snapshot());
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
    public async Task Platform_FleetBreakerTrippedByAStorm_NoDiagnosticsReadForTheIncident()
    {
        // A storm: five other apps alerted in the window, the breaker is at five.
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Policy:FleetBreakerApps"] = "5", ["Workflow:AutoApprove"] = "true" },
            before: async c =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await c.Store.TryCreateAsync(new IncidentRecord($"inc-20250101-0000000000000{i:x3}", SandboxFixture.SiteId($"storm-app-{i}"), "a", "r", "Sev2",
                        IncidentStatus.Investigating, "s", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
                }
            });

        Assert.AreEqual(0, run.Requests.Count(r => r.Path.Contains("/providers/Microsoft.Insights/metrics", StringComparison.OrdinalIgnoreCase)), "no metrics read");
        Assert.AreEqual(0, run.Requests.Count(r => r.Path.Contains("/instances", StringComparison.OrdinalIgnoreCase)), "no instances or processes listed");
        Assert.AreEqual(0, run.Requests.Count(r => r.Path.Contains("/detectors", StringComparison.OrdinalIgnoreCase)), "no detectors run");
        Assert.IsFalse(run.Kinds.Contains("DiagnosticsCollected"), string.Join("\n", run.Timeline.Select(t => t.Message)));
        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        StringAssert.Contains(run.Message("PlatformChecked"), "the breaker is tripped, diagnostics are skipped");
        StringAssert.Contains(run.Message("PlanChosen"), "fleet breaker at 5");
        Assert.AreEqual(0, run.Changes);
    }

    [TestMethod]
    public async Task Platform_ResourceHealthUnreadable_AnAutoApprovedRestartGoesToAPersonWhoIsToldWhy()
    {
        string? asked = null;
        var restartsWhileAsking = -1;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: s_autoApprovedRestart,
            before: _ => s_sandbox.AddFaultAsync(new { pathContains = "/providers/Microsoft.ResourceHealth/", status = 503, times = 1000 }),
            whileRunning: async c =>
            {
                var approvalId = await c.WaitForApprovalAsync();
                asked = (await c.Store.GetTimelineAsync(c.IncidentId)).Single(t => t.Kind == "ApprovalRequested").Message;
                restartsWhileAsking = s_sandbox.Requests.Snapshot().Count(r => r.Method == "POST" && r.Path.EndsWith("/restart", StringComparison.Ordinal));
                await c.DecideAsync(approvalId, approve: true);
            });

        StringAssert.Contains(run.Message("PlatformChecked"), "Resource Health could not be read");
        StringAssert.Contains(asked, "platform check is incomplete (Resource Health could not be read)");
        StringAssert.Contains(asked, "a person approves this plan");
        Assert.AreEqual(0, restartsWhileAsking, "nothing is done before a person approved");
        Assert.IsFalse(run.Kinds.Contains("ApprovalNotNeeded"));
        StringAssert.Contains(run.Message("ApprovalGranted"), "oncall@contoso.com");
        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Platform_NoticesTableDown_NotedAndTheRestartWaitsForAPerson()
    {
        // The notices' table on a storage endpoint where nothing listens; everything else on Azurite.
        var down = new TableClientOptions();
        down.Retry.MaxRetries = 0;
        var notices = new TablePlatformNotices(new TableServiceClient(StorageDown("TableEndpoint"), down), Options.Create(new StorageOptions { PlatformNoticesTable = "NoticesDown" }));
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: s_autoApprovedRestart, services: s => s.AddSingleton<IPlatformNotices>(notices),
            whileRunning: async c => await c.DecideAsync(await c.WaitForApprovalAsync(), approve: false));

        StringAssert.Contains(run.Message("PlatformChecked"), "Service Health notices could not be read");
        StringAssert.Contains(run.Message("PlatformChecked"), "Resource Health: Available");
        StringAssert.Contains(run.Message("ApprovalRequested"), "the Service Health notices could not be read");
        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Platform_CheckDidNotFinishInTime_TheRestartWaitsForAPerson()
    {
        // Resource Health answers after the first reads' deadline: the check never reports.
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?>(s_autoApprovedRestart) { ["Workflow:DiagnosticsTimeout"] = "00:00:05" },
            before: _ => s_sandbox.AddFaultAsync(new { pathContains = "/providers/Microsoft.ResourceHealth/", delayMs = 20000, times = 1000 }),
            whileRunning: async c => await c.DecideAsync(await c.WaitForApprovalAsync(), approve: false));

        StringAssert.Contains(run.Message("DiagnosticsFailed"), "the platform check");
        Assert.IsFalse(run.Kinds.Contains("PlatformChecked"));
        StringAssert.Contains(run.Message("ApprovalRequested"), "platform check is incomplete (the platform check did not complete)");
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
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
    public async Task Approval_PlanKindHasItsOwnTimeout_TimesOutAfterItNotTheGeneralOne()
    {
        // The general timeout would outlast the test; the restart's own one is 3 seconds.
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?>
        {
            ["Workflow:ApprovalTimeout"] = "01:00:00",
            ["Workflow:ApprovalTimeouts:RestartApp"] = "00:00:03",
        });

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        var timedOut = run.Message("ApprovalTimedOut");
        StringAssert.Contains(timedOut, "within 00:00:03: timed out; nothing was done");
        Assert.IsFalse(run.Kinds.Contains("ApprovalRejected"), "a timeout is never a rejection");
        Assert.DoesNotContain("reject", string.Join(" ", run.Timeline.Where(t => t.Kind.StartsWith("Approval", StringComparison.Ordinal)).Select(t => t.Message)).ToLowerInvariant());
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Approval_LowRiskPlanNobodyDecides_TimesOutAndGoesAhead()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?>
        {
            ["Workflow:ApprovalTimeout"] = "00:00:03",
            ["Policy:LowRiskPlans:0"] = "RestartApp",
        });

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        StringAssert.Contains(run.Message("ApprovalTimedOut"), "timed out. RestartApp is marked low-risk");
        StringAssert.Contains(run.Message("ProceedingAfterTimeout"), "nobody approved or rejected it");
        Assert.IsFalse(run.Kinds.Contains("ApprovalGranted"), "nobody approved it");
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
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
    public async Task Approval_AutoApproveButThePlansAppsUnreadableUnderScope_TheScaleOutGoesToAPerson()
    {
        // A least-privilege identity: the plan's apps and its autoscale settings answer 403 / 500. The plan is still read,
        // the scale-out is still chosen, but configuration cannot vouch for apps it cannot see.
        string? asked = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-cpu"), metric: "HttpResponseTime", threshold: 2, settings: new Dictionary<string, string?>
        {
            ["Workflow:AutoApprove"] = "true",
            ["Scope:AllowedResourceIds:0"] = SandboxFixture.SiteId("contoso-cpu"),
            ["Scope:AllowedResourceIds:1"] = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-cpu-prod",
        },
        before: async _ =>
        {
            await s_sandbox.AddFaultAsync(new { method = "GET", pathContains = "/serverfarms/plan-cpu-prod/sites", status = 403, errorCode = "AuthorizationFailed", times = 1000 });
            await s_sandbox.AddFaultAsync(new { method = "GET", pathContains = "/Microsoft.Insights/autoscalesettings", status = 500, times = 1000 });
        },
        whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            asked = (await c.Store.GetTimelineAsync(c.IncidentId)).Single(t => t.Kind == "ApprovalRequested").Message;
            await c.DecideAsync(approvalId, approve: true);
        });

        StringAssert.Contains(asked, "ScaleOut (to 3 instances)");
        StringAssert.Contains(asked, "the apps on the plan could not be listed");
        StringAssert.Contains(asked, "autoscale state of this plan is unknown");
        Assert.IsTrue(run.Timeline.Any(t => t.Kind == "DiagnosticsFailed" && t.Message.StartsWith("Autoscale unknown", StringComparison.Ordinal)), string.Join("\n", run.Timeline.Select(t => t.Message)));
        Assert.IsFalse(run.Timeline.Any(t => t.Message.Contains("approved by configuration", StringComparison.Ordinal)));
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
    public async Task Evidence_DumpStorageDown_DumpActivityFailsButIsRecordedSkippedAndTheRestartGoesAhead()
    {
        // The dumps container on a storage endpoint where nothing listens: the upload fails with the
        // SDK's "retry failed" AggregateException, which the dump activity does not catch.
        var down = new global::Azure.Storage.Blobs.BlobClientOptions();
        down.Retry.MaxRetries = 1;
        down.Retry.Delay = TimeSpan.FromMilliseconds(100);
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" },
            services: s => s.AddSingleton(sp => new DumpUploader(new global::Azure.Storage.Blobs.BlobServiceClient(StorageDown("BlobEndpoint"), down),
                sp.GetRequiredService<IOptions<EvidenceOptions>>(), TimeProvider.System, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DumpUploader>>())));

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status, string.Join("\n", run.Timeline.Select(t => t.Message)));
        StringAssert.Contains(run.Message("DumpSkipped"), "capturing process");
        StringAssert.Contains(run.Message("DumpSkipped"), "The mitigation goes ahead without it");
        Assert.IsFalse(run.Kinds.Contains("WorkflowFailed"));
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
        JsonNode? held = null;
        JsonNode? closed = null;
        // contoso-api is healthy: nothing explains the alert, so the incident escalates and is held.
        var run = await RunAsync(SandboxFixture.SiteId("contoso-api"), settings: new Dictionary<string, string?> { ["Workflow:EscalationHold"] = "00:10:00" }, whileRunning: async c =>
        {
            await c.WaitForStatusAsync(IncidentStatus.Escalated);
            held = await ShownAsync(c);
            await c.Client.RaiseEventAsync(c.InstanceId, EventNames.AlertRepeated, new AlertRepeatedEvent("alert-2", "http-5xx", "Sev1", DateTimeOffset.UtcNow));
            await c.Client.RaiseEventAsync(c.InstanceId, EventNames.AlertResolved, new AlertResolvedEvent("alert-1", "memory-high", DateTimeOffset.UtcNow));
            await c.WaitForStatusAsync(IncidentStatus.Resolved);
            closed = await ShownAsync(c);
        });

        // In its hold the escalated incident is live (a Resolved can still close it): not reported closed.
        Assert.AreEqual("Escalated", held!["status"]!.GetValue<string>(), held.ToJsonString());
        Assert.IsFalse(held["closed"]!.GetValue<bool>(), held.ToJsonString());
        var liveUntil = held["liveUntil"]!.GetValue<DateTimeOffset>();
        Assert.IsTrue(liveUntil > DateTimeOffset.UtcNow.AddMinutes(8) && liveUntil < DateTimeOffset.UtcNow.AddMinutes(11), held.ToJsonString());
        Assert.IsTrue(closed!["closed"]!.GetValue<bool>(), closed.ToJsonString());
        Assert.IsNull(closed["liveUntil"], closed.ToJsonString());
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
        JsonNode? after = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-api"), settings: new Dictionary<string, string?> { ["Workflow:EscalationHold"] = "00:00:02" }, whileRunning: async c =>
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await c.Client.WaitForInstanceCompletionAsync(c.InstanceId, wait.Token);
            after = await ShownAsync(c);
        });

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        Assert.AreEqual(IncidentStatus.Escalated, run.Incident.Status);
        Assert.AreEqual("HoldEnded", run.Kinds[^1]);
        Assert.IsTrue(after!["closed"]!.GetValue<bool>(), "the hold is over: " + after.ToJsonString());
    }

    [TestMethod]
    public async Task Hold_WorkflowTerminatedInItsHold_ReportedClosed()
    {
        JsonNode? shown = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-api"), expect: OrchestrationRuntimeStatus.Terminated,
            settings: new Dictionary<string, string?> { ["Workflow:EscalationHold"] = "00:10:00" }, whileRunning: async c =>
        {
            await c.WaitForStatusAsync(IncidentStatus.Escalated);
            await c.Client.TerminateInstanceAsync(c.InstanceId);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await c.Client.WaitForInstanceCompletionAsync(c.InstanceId, wait.Token);
            shown = await ShownAsync(c);
        });

        // Nothing holds it any more: closed, although the stored hold has not run out.
        Assert.AreEqual("Escalated", shown!["status"]!.GetValue<string>());
        Assert.IsTrue(shown["closed"]!.GetValue<bool>(), shown.ToJsonString());
        Assert.IsNotNull(run.Incident.LiveUntil);
    }

    // GET /api/incidents/{id} as the hosts serve it (with the Durable client).
    private static async Task<JsonNode> ShownAsync(Context c)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = c.Services };
        http.Response.Body = new MemoryStream();
        await (await c.Services.GetRequiredService<IncidentsEndpoint>().GetAsync(c.IncidentId, c.Client, CancellationToken.None)).ExecuteAsync(http);
        http.Response.Body.Position = 0;
        return JsonNode.Parse(http.Response.Body)!;
    }

    [TestMethod]
    public async Task Decision_TwoApproversAtOnce_ExactlyOneWinsTheOtherIsToldWhoAndOneRestart()
    {
        DecisionOutcome[] outcomes = [];
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            outcomes = await Task.WhenAll(
                Task.Run(() => c.ClaimAsync(approvalId, approve: true, "alice@contoso.com")),
                Task.Run(() => c.ClaimAsync(approvalId, approve: true, "bob@contoso.com")));
        });

        var winner = outcomes.Single(o => o.Disposition == DecisionDisposition.Forwarded).Approval!.DecidedBy!;
        var loser = outcomes.Single(o => o.Disposition == DecisionDisposition.AlreadyDecided);
        StringAssert.Contains(loser.Detail, $"approved by {winner} at");
        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.AreEqual(1, run.Kinds.Count(k => k == "ApprovalGranted"));
        StringAssert.Contains(run.Message("ApprovalGranted"), winner);
        Assert.AreEqual(1, run.Restarts("contoso-shop"), "one decision acted on");
    }

    [TestMethod]
    public async Task Decision_EventLostAfterTheClaim_TheSameDecisionAgainIs202AndActsOnce()
    {
        DecisionOutcome? retried = null;
        DecisionOutcome? other = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            // The real backend, except that it is unreachable for the first event: the one moment
            // between the claim and the event that the test host cannot be made to fail at.
            var flaky = new Mock<DurableTaskClient>(MockBehavior.Strict, "flaky");
            flaky.Setup(x => x.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
                .Returns((string id, bool io, CancellationToken ct) => c.Client.GetInstanceAsync(id, io, ct));
            var raises = 0;
            flaky.Setup(x => x.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
                .Returns((string id, string name, object? payload, CancellationToken ct) => Interlocked.Increment(ref raises) == 1
                    ? Task.FromException(new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, "backend restarting")))
                    : c.Client.RaiseEventAsync(id, name, payload, ct));
            var decisions = c.Services.GetRequiredService<ApprovalDecisions>();
            var request = new DecisionRequest(approvalId, true, "oncall@contoso.com", null);

            await Assert.ThrowsExactlyAsync<Grpc.Core.RpcException>(() => decisions.DecideAsync(c.IncidentId, request, flaky.Object));
            retried = await decisions.DecideAsync(c.IncidentId, request, flaky.Object);
            other = await c.ClaimAsync(approvalId, approve: false, "someone@contoso.com");
        });

        Assert.AreEqual(DecisionDisposition.Forwarded, retried!.Disposition);
        Assert.AreEqual(DecisionDisposition.AlreadyDecided, other!.Disposition);
        StringAssert.Contains(other.Detail, "approved by oncall@contoso.com");
        Assert.AreEqual(1, run.Kinds.Count(k => k == "ApprovalGranted"));
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Decision_AfterTheWorkflowTimedOut_TimedOutAndNothingDone()
    {
        DecisionOutcome? late = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:ApprovalTimeout"] = "00:00:03" }, whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            await c.WaitForStatusAsync(IncidentStatus.Escalated);
            late = await c.ClaimAsync(approvalId, approve: true, "late@contoso.com");
        });

        Assert.AreEqual(DecisionDisposition.TimedOut, late!.Disposition);
        StringAssert.Contains(late.Detail, "timed out at");
        Assert.AreEqual(ApprovalState.TimedOut, late.Approval!.State);
        StringAssert.Contains(run.Message("ApprovalTimedOut"), "Nobody decided");
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Decision_AfterTheExpiryBeforeTheTimerFired_TimedOutAndClaimsNothing()
    {
        DecisionOutcome? late = null;
        DecisionOutcome? onTime = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:ApprovalTimeout"] = "00:10:00" }, whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            // A clock past the expiry while the workflow's timer has not fired yet.
            late = await c.ClaimAsync(approvalId, approve: false, "late@contoso.com", new ShiftedTime(TimeSpan.FromMinutes(11)));
            onTime = await c.ClaimAsync(approvalId, approve: true, "oncall@contoso.com");
        });

        Assert.AreEqual(DecisionDisposition.TimedOut, late!.Disposition);
        StringAssert.Contains(late.Detail, "timed out at");
        Assert.AreEqual(DecisionDisposition.Forwarded, onTime!.Disposition, "the late decision claimed nothing");
        StringAssert.Contains(run.Message("ApprovalGranted"), "oncall@contoso.com");
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Decision_ClaimedBeforeTheTimeoutButItsEventNeverArrived_TheWorkflowActsOnTheClaim()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:ApprovalTimeout"] = "00:00:05" }, whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            var approvals = c.Services.GetRequiredService<IApprovalStore>();
            // The claim went through and the event was lost (the host died between the two): the timer fires first.
            var (won, _) = await approvals.TryDecideAsync((await approvals.GetAsync(c.IncidentId, approvalId))!, approve: true, "carol@contoso.com", "go", DateTimeOffset.UtcNow);
            Assert.IsTrue(won);
        });

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        Assert.IsFalse(run.Kinds.Contains("ApprovalTimedOut"), "the claim came before the expiry, so it holds");
        StringAssert.Contains(run.Message("ApprovalGranted"), "carol@contoso.com");
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Stuck_WorkflowGoneWhileWaitingForApproval_GetShowsEscalatedAndTheDecisionIs409()
    {
        string? shown = null;
        DecisionOutcome? decided = null;
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), expect: OrchestrationRuntimeStatus.Terminated, whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            await c.Client.TerminateInstanceAsync(c.InstanceId);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await c.Client.WaitForInstanceCompletionAsync(c.InstanceId, wait.Token);

            shown = (await ShownAsync(c))["status"]!.GetValue<string>();
            decided = await c.ClaimAsync(approvalId, approve: true, "oncall@contoso.com");
        });

        Assert.AreEqual("Escalated", shown);
        Assert.AreEqual(DecisionDisposition.WorkflowStopped, decided!.Disposition);
        StringAssert.Contains(decided.Detail, "terminated");
        Assert.AreEqual(IncidentStatus.Escalated, run.Incident.Status);
        Assert.IsNull(run.Incident.PendingApproval);
        StringAssert.Contains(run.Message("WorkflowFailed"), "the workflow was terminated");
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Stuck_StorageDownLongerThanTheRetries_EscalatedWithTheReasonOnTheTimeline()
    {
        // Azurite of its own, on disk, so it can be killed mid-run and come back with its data.
        var ports = LoopbackPorts.Free(3);
        var settings = new AutoRemediate.DevHost.AzuriteSettings(ports[0], ports[1], ports[2], Directory.CreateTempSubdirectory("azurite-stuck-").FullName);
        var azurite = await AutoRemediate.DevHost.AzuriteLauncher.StartAsync(settings);
        var running = true;
        try
        {
            var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), storage: azurite.ConnectionString, whileRunning: async c =>
            {
                var approvalId = await c.WaitForApprovalAsync();
                running = false;
                await azurite.DisposeAsync();
                // Approved while storage is down: recording the approval fails until its retries run out.
                await c.DecideAsync(approvalId, approve: true);
                var deadline = DateTime.UtcNow.AddSeconds(90);
                while ((await c.Client.GetInstanceAsync(c.InstanceId, getInputsAndOutputs: true))?.SerializedCustomStatus?.Contains("escalating after error", StringComparison.Ordinal) != true)
                {
                    Assert.IsLessThan(deadline, DateTime.UtcNow, "the workflow never gave up on the failing step");
                    await Task.Delay(250);
                }

                azurite = await AutoRemediate.DevHost.AzuriteLauncher.StartAsync(settings);
                running = true;
            });

            Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
            Assert.AreEqual(IncidentStatus.Escalated, run.Incident.Status);
            Assert.IsNull(run.Incident.PendingApproval);
            var reason = run.Message("WorkflowFailed");
            StringAssert.Contains(reason, "EndApproval failed");
            StringAssert.Contains(run.Incident.Summary, "EndApproval failed");
            Assert.AreEqual(0, run.Restarts("contoso-shop"), "nothing is done once the workflow gave up");
        }
        finally
        {
            if (running)
            {
                await azurite.DisposeAsync();
            }
        }
    }

    [TestMethod]
    public async Task Act_AlertResolvedBeforeAnAutoApprovedRestart_NothingIsDone()
    {
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" },
            whileRunning: c => c.Client.RaiseEventAsync(c.InstanceId, EventNames.AlertResolved, new AlertResolvedEvent("alert-1", "memory-high", DateTimeOffset.UtcNow)));

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status);
        StringAssert.Contains(run.Message("ActionCancelled"), "nothing was done");
        Assert.IsLessThan(run.Kinds.ToList().IndexOf("ActionCancelled"), run.Kinds.ToList().IndexOf("ApprovalGranted"));
        Assert.IsFalse(run.Kinds.Contains("ActionTaken"));
        Assert.AreEqual(0, run.Restarts("contoso-shop"));
    }

    [TestMethod]
    public async Task Verify_AppNeverRecovers_EachVerificationContinuesAsNewAfterTenPolls()
    {
        var verifications = new List<OrchestrationMetadata?>();
        var run = await RunAsync(SandboxFixture.SiteId("contoso-crash"), metric: "Http5xx", threshold: 10, aggregation: "Total",
            settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true", ["Workflow:VerifyDeadline"] = "00:00:20" },
            whileRunning: async c =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(180);
                while ((await c.Store.GetAsync(c.IncidentId))?.Status != IncidentStatus.Escalated)
                {
                    Assert.IsLessThan(deadline, DateTime.UtcNow, "never escalated");
                    await Task.Delay(250);
                }

                foreach (var rung in new[] { 1, 2 })
                {
                    verifications.Add(await c.Client.GetInstanceAsync($"{c.IncidentId}-v{rung}", getInputsAndOutputs: true));
                }
            });

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
        Assert.AreEqual(2, run.Kinds.Count(k => k == "VerificationFailed"), "two rungs verified, neither helped");
        foreach (var verification in verifications)
        {
            // Up to 21 polls (20 s at 1 s, and one more), until the deadline: ten per generation.
            Assert.AreEqual(OrchestrationRuntimeStatus.Completed, verification!.RuntimeStatus);
            var last = verification.ReadInputAs<VerificationInput>()!;
            Assert.IsGreaterThanOrEqualTo(1, last.Generation, "continued as new after ten polls");
            Assert.AreEqual(21 - (last.Generation * VerificationOrchestration.PollsPerGeneration), last.PollsLeft);
            Assert.IsFalse(verification.ReadOutputAs<VerificationResult>()!.Healthy);
        }
    }

    [TestMethod]
    public async Task Verify_TheActionSetsVerifyingAndEachPollWritesItsVerdict_NoActivityOfTheirOwn()
    {
        // What ran, as the Durable worker traces it: each activity's span carries its orchestration's instance id.
        var ran = new System.Collections.Concurrent.ConcurrentBag<(string Name, string Instance)>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.DurableTask",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => ran.Add((a.DisplayName, a.GetTagItem("durabletask.task.instance_id") as string ?? string.Empty)),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var seen = new List<IncidentStatus>();
        var run = await RunAsync(SandboxFixture.SiteId("contoso-shop"), settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" },
            whileRunning: async c =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while ((await c.Store.GetAsync(c.IncidentId))?.Status is { } status && status != IncidentStatus.Resolved)
                {
                    if (seen.Count == 0 || seen[^1] != status)
                    {
                        seen.Add(status);
                    }

                    Assert.IsLessThan(deadline, DateTime.UtcNow, "never resolved");
                    await Task.Delay(50);
                }
            });

        Assert.AreEqual(IncidentStatus.Resolved, run.Result.Status, string.Join("\n", run.Timeline.Select(t => t.Message)));
        Assert.AreEqual(1, run.Restarts("contoso-shop"));
        // The incident was Verifying while it was watched (2 s healthy at 1 s polls), set by the action's activity.
        CollectionAssert.Contains(seen, IncidentStatus.Verifying, string.Join(", ", seen));
        // The poll's verdict is on the timeline, after the action and before the close, at its own position.
        var kinds = run.Kinds.ToList();
        Assert.IsLessThan(kinds.IndexOf("HealthyAgain"), kinds.IndexOf("ActionTaken"));
        Assert.IsLessThan(kinds.IndexOf("IncidentResolved"), kinds.IndexOf("HealthyAgain"));
        Assert.AreEqual(run.Timeline.Count, run.Timeline.Select(t => t.Sequence).Distinct().Count(), "one row per position");
        // The verification ran its polls and nothing to write the status or the verdict.
        var verification = ran.Where(r => r.Instance == $"{run.Incident.IncidentId}-v1").Select(r => r.Name).ToList();
        CollectionAssert.Contains(verification, "activity:CheckHealth", string.Join(", ", verification));
        CollectionAssert.DoesNotContain(verification, "activity:SetStatus", string.Join(", ", verification));
        CollectionAssert.DoesNotContain(verification, "activity:RecordTimeline", string.Join(", ", verification));
    }

    [TestMethod]
    public async Task Verify_StartedBeforeTheActionSetTheStatus_TheVerificationWritesItAndItsVerdictItself()
    {
        // A verification whose input has neither flag (as one started by an earlier version of the remediation):
        // it replays as it was written, with its own SetStatus and RecordTimeline calls.
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var target = SandboxFixture.SiteId("contoso-shop");
        var incidentId = $"inc-20261201-{Guid.NewGuid():N}"[..29];
        var now = DateTimeOffset.UtcNow;
        await store.TryCreateAsync(new IncidentRecord(incidentId, target, "alert-1", "Http5xx-high", "Sev2", IncidentStatus.Mitigating, "restarted", now, now));
        var ran = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.DurableTask",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("durabletask.task.instance_id") as string == incidentId + "-v1")
                {
                    ran.Add(a.DisplayName);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddRemediationWorkflow(),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort(), ConfigureServices = s => TestServices.AddCore(s, s_sandbox, tables, s_fast) });
        var input = new VerificationInput(incidentId, target, null, [new AlertCriterion("Http5xx", "GreaterThan", "10", "Total", TimeSpan.FromMinutes(1))],
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), 16, NextSequence: 5);
        await host.Client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.Verification, input, new StartOrchestrationOptions(incidentId + "-v1"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = await host.Client.WaitForInstanceCompletionAsync(incidentId + "-v1", getInputsAndOutputs: true, timeout.Token);

        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus, done.FailureDetails?.ToString());
        Assert.IsTrue(done.ReadOutputAs<VerificationResult>()!.Healthy);
        CollectionAssert.Contains(ran.ToList(), "activity:SetStatus");
        CollectionAssert.Contains(ran.ToList(), "activity:RecordTimeline");
        var timeline = await store.GetTimelineAsync(incidentId);
        Assert.AreEqual("HealthyAgain", timeline.Single(t => t.Sequence == 5).Kind);
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

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}

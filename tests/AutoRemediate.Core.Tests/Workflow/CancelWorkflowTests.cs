using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Workflow;

/// <summary>
/// <c>POST /api/incidents/{id}/cancel</c> through its Core entry point and endpoint, with the real orchestration
/// and activities on DurableTaskTestHost against Azurite and the Sandbox: the workflow stops at its next step,
/// the action in flight finishes, the incident ends Cancelled with who and why, and (issue 13 point 5) what
/// GET /api/incidents/{id} says always agrees with the orchestration's runtime status.
/// </summary>
[TestClass]
public sealed class CancelWorkflowTests
{
    private const string Operator = "oncall@contoso.com (Entra ID 0000)";

    private static readonly Dictionary<string, string?> s_fast = FastWorkflow.Settings();

    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartSandboxAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopSandboxAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetSandboxAsync() => s_sandbox.ResetAsync();

    private sealed class Run : IAsyncDisposable
    {
        public required DurableTaskTestHost Host { get; init; }

        public required ServiceProvider Services { get; init; }

        public required TableIncidentStore Store { get; init; }

        public required string IncidentId { get; init; }

        public required string InstanceId { get; init; }

        public required RemediationInput Input { get; init; }

        public DurableTaskClient Client => Host.Client;

        public Task StartAsync() =>
            Client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.Remediation, Input, new StartOrchestrationOptions(InstanceId));

        public async Task<IncidentRecord> WaitForStatusAsync(IncidentStatus status)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                var incident = await Store.GetAsync(IncidentId);
                if (incident?.Status == status)
                {
                    return incident;
                }

                Assert.IsLessThan(deadline, DateTime.UtcNow, $"incident never reached {status}; it is {incident?.Status}");
                await Task.Delay(100);
            }
        }

        public Task<CancelOutcome> CancelAsync(string? reason = "deploying a fix by hand", string by = Operator) =>
            Services.GetRequiredService<IncidentCancellation>().CancelAsync(IncidentId, by, reason, Client);

        public Task<DecisionOutcome> ClaimAsync(string approvalId, bool approve, string approver) =>
            Services.GetRequiredService<ApprovalDecisions>().DecideAsync(IncidentId, new DecisionRequest(approvalId, approve, approver, null), Client);

        public async Task<OrchestrationMetadata> CompletionAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            return await Client.WaitForInstanceCompletionAsync(InstanceId, getInputsAndOutputs: true, timeout.Token);
        }

        public async Task<IReadOnlyList<TimelineEntry>> TimelineAsync() => await Store.GetTimelineAsync(IncidentId);

        // What a user sees: GET /api/incidents/{id} on the Core endpoint both hosts call.
        public async Task<JsonNode> GetAsync()
        {
            var result = await Services.GetRequiredService<IncidentsEndpoint>().GetAsync(IncidentId, Client, CancellationToken.None);
            var (status, body) = await ExecuteAsync(result);
            Assert.AreEqual(200, status, body);
            return JsonNode.Parse(body)!;
        }

        /// <summary>
        /// Issue 13 point 5: the incident as GET shows it and the orchestration as the backend shows it say the same:
        /// live ⇔ Running; Cancelled ⇔ Completed with a Cancelled result; Resolved/Escalated ⇔ not running.
        /// </summary>
        public async Task AssertAgreeAsync(string when)
        {
            var incident = await GetAsync();
            var instance = await Client.GetInstanceAsync(InstanceId, getInputsAndOutputs: true);
            var status = incident["status"]!.GetValue<string>();
            var closed = incident["closed"]!.GetValue<bool>();
            var runtime = instance?.RuntimeStatus;
            var running = runtime is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended;
            var what = $"{when}: incident {status} (closed {closed}), orchestration {runtime?.ToString() ?? "none"}";
            Assert.AreEqual(!closed, running, what);
            if (status == nameof(IncidentStatus.Cancelled))
            {
                Assert.AreEqual(OrchestrationRuntimeStatus.Completed, runtime, what);
                Assert.AreEqual(IncidentStatus.Cancelled, instance!.ReadOutputAs<RemediationResult>()!.Status, what);
            }

            if (runtime == OrchestrationRuntimeStatus.Completed)
            {
                Assert.AreEqual(instance!.ReadOutputAs<RemediationResult>()!.Status.ToString(), status, what);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Services.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    private static async Task<(int Status, string Body)> ExecuteAsync(IResult result, HttpContext? context = null)
    {
        context ??= new DefaultHttpContext();
        context.RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider();
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    private static async Task<Run> StartHostAsync(string app = "contoso-shop", IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var target = SandboxFixture.SiteId(app);
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
        const double threshold = 1610612736;
        var signal = new AlertSignal(
            "alert-" + Guid.NewGuid().ToString("N"), "MemoryWorkingSet-high", "Sev2", "Metric", MonitorCondition.Fired, "Platform", [target], now, null, null, SignalKind.MetricStatic,
            [new AlertCondition("MemoryWorkingSet", "Microsoft.Web/sites", "GreaterThan", threshold.ToString(System.Globalization.CultureInfo.InvariantCulture), threshold * 1.2, "Average", null)],
            new EvaluationWindow(TimeSpan.FromMinutes(1), now.AddMinutes(-1), now));
        var incidentId = IncidentIds.IncidentIdFor(signal.AlertId, target, signal.FiredAt);
        await store.TryCreateAsync(new IncidentRecord(incidentId, target, signal.AlertId, signal.AlertRule, signal.Severity, IncidentStatus.Received, "received", now, now));

        void Configure(IServiceCollection s)
        {
            TestServices.AddCore(s, s_sandbox, tables, all);
            services?.Invoke(s);
        }

        var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddRemediationWorkflow(),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort(), ConfigureServices = Configure });
        var provider = new ServiceCollection();
        Configure(provider);
        return new Run
        {
            Host = host,
            Services = provider.BuildServiceProvider(),
            Store = store,
            IncidentId = incidentId,
            InstanceId = IncidentIds.InstanceIdFor(target),
            Input = new RemediationInput(incidentId, target, signal, workflow.ToSettings()),
        };
    }

    private int Restarts(string app = "contoso-shop") =>
        s_sandbox.Requests.Snapshot().Count(r => r.Method == "POST" && r.Path.EndsWith($"/sites/{app}/restart", StringComparison.Ordinal) && r.Status == 200);

    [TestMethod]
    public async Task Cancel_WhileAwaitingApproval_CancelledNothingDoneAndALateDecisionChangesNothing()
    {
        await using var run = await StartHostAsync();
        await run.StartAsync();
        var approvalId = (await run.WaitForStatusAsync(IncidentStatus.AwaitingApproval)).PendingApproval!;
        await run.AssertAgreeAsync("awaiting approval");

        var outcome = await run.CancelAsync();

        Assert.AreEqual(CancelDisposition.Accepted, outcome.Disposition, outcome.Detail);
        var completed = await run.CompletionAsync();
        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        Assert.AreEqual(IncidentStatus.Cancelled, completed.ReadOutputAs<RemediationResult>()!.Status);
        await run.AssertAgreeAsync("after the cancel");
        var incident = (await run.Store.GetAsync(run.IncidentId))!;
        Assert.AreEqual(IncidentStatus.Cancelled, incident.Status);
        Assert.IsNull(incident.PendingApproval, "the incident waits on nothing");
        var timeline = await run.TimelineAsync();
        var cancelled = timeline.Single(t => t.Kind == TimelineKinds.IncidentCancelled).Message;
        StringAssert.Contains(cancelled, $"Cancelled by {Operator} at ");
        StringAssert.Contains(cancelled, "\"deploying a fix by hand\"");
        StringAssert.Contains(cancelled, "Nothing had been done to the app.");
        StringAssert.Contains(timeline.Single(t => t.Kind == TimelineKinds.CancelRequested).Message, Operator);
        StringAssert.Contains(timeline.Single(t => t.Kind == TimelineKinds.ApprovalWithdrawn).Message, "no longer needed");
        Assert.AreEqual(0, Restarts(), "nothing was done to the app");

        // A late approval: refused as no longer needed, and nothing changes.
        var late = await run.ClaimAsync(approvalId, approve: true, "late@contoso.com");
        Assert.AreEqual(DecisionDisposition.Withdrawn, late.Disposition, late.Detail);
        var approval = await run.Services.GetRequiredService<IApprovalStore>().GetAsync(run.IncidentId, approvalId);
        Assert.AreEqual(ApprovalState.Withdrawn, approval!.State);
        Assert.IsNull(approval.DecidedBy);
        Assert.AreEqual(IncidentStatus.Cancelled, (await run.Store.GetAsync(run.IncidentId))!.Status);
        Assert.AreEqual(0, Restarts());
    }

    [TestMethod]
    public async Task Cancel_WhileVerifying_TheRestartFinishedThenTheWorkflowStops()
    {
        // Auto-approved restart; the verification would poll for 15 s.
        await using var run = await StartHostAsync(settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true", ["Workflow:VerifyHealthyFor"] = "00:00:10" });
        await run.StartAsync();
        await run.WaitForStatusAsync(IncidentStatus.Verifying);
        await run.AssertAgreeAsync("verifying");

        var outcome = await run.CancelAsync(reason: null);

        Assert.AreEqual(CancelDisposition.Accepted, outcome.Disposition, outcome.Detail);
        var completed = await run.CompletionAsync();
        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        await run.AssertAgreeAsync("after the cancel");
        var verification = await run.Client.GetInstanceAsync(run.IncidentId + "-v1");
        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, verification!.RuntimeStatus, "the verification stopped too");
        var timeline = await run.TimelineAsync();
        var kinds = timeline.Select(t => t.Kind).ToList();
        Assert.AreEqual(TimelineKinds.IncidentCancelled, kinds[^1], string.Join(", ", kinds));
        Assert.IsFalse(kinds.Contains(TimelineKinds.IncidentResolved));
        StringAssert.Contains(timeline[^1].Message, "Carried out before the cancel, and finished: RestartApp.");
        Assert.AreEqual(1, Restarts(), "the restart in flight finished once");
        Assert.AreEqual(1, kinds.Count(k => k == TimelineKinds.ActionTaken));
        var journal = run.Services.GetRequiredService<IActionJournal>();
        var rows = await journal.RecentAsync(run.Input.TargetResourceId, DateTimeOffset.UtcNow.AddHours(-1));
        Assert.AreEqual(1, rows.Count, "one journal row");
        Assert.AreEqual(ActionState.Completed, rows[0].State, "the action in flight was finished, not left half-done");
        Assert.AreEqual(0, await journal.CountRunningAsync(DateTimeOffset.UtcNow.AddHours(-1)), "it no longer counts toward the fleet cap");
    }

    [TestMethod]
    public async Task Cancel_WhileOnlyReceived_ClosedAtOnceAndAWorkflowStartedLaterDoesNothing()
    {
        await using var run = await StartHostAsync(settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" });

        var outcome = await run.CancelAsync();

        Assert.AreEqual(CancelDisposition.CancelledNow, outcome.Disposition, outcome.Detail);
        Assert.AreEqual(IncidentStatus.Cancelled, (await run.Store.GetAsync(run.IncidentId))!.Status);
        // The workflow starts after all (the ingest path retried): it finds the incident cancelled.
        await run.StartAsync();
        var completed = await run.CompletionAsync();
        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus);
        Assert.AreEqual(IncidentStatus.Cancelled, completed.ReadOutputAs<RemediationResult>()!.Status);
        await run.AssertAgreeAsync("after the late start");
        Assert.AreEqual(IncidentStatus.Cancelled, (await run.Store.GetAsync(run.IncidentId))!.Status);
        var kinds = (await run.TimelineAsync()).Select(t => t.Kind).ToArray();
        CollectionAssert.AreEqual(new[] { TimelineKinds.IncidentCancelled }, kinds);
        Assert.AreEqual(0, s_sandbox.Requests.Snapshot().Count(r => r.Method is "POST" or "PATCH" or "DELETE"), "nothing was done to any app");
    }

    [TestMethod]
    public async Task Cancel_Twice_TheSecondIsRefusedAndNamesTheFinalState()
    {
        await using var run = await StartHostAsync();
        await run.StartAsync();
        await run.WaitForStatusAsync(IncidentStatus.AwaitingApproval);
        Assert.AreEqual(CancelDisposition.Accepted, (await run.CancelAsync()).Disposition);

        var again = await run.CancelAsync(by: "someone-else@contoso.com");
        await run.CompletionAsync();
        var afterwards = await run.CancelAsync(by: "someone-else@contoso.com");

        Assert.IsTrue(again.Disposition is CancelDisposition.AlreadyRequested or CancelDisposition.AlreadyClosed, again.Detail);
        Assert.AreEqual(CancelDisposition.AlreadyClosed, afterwards.Disposition);
        StringAssert.Contains(afterwards.Detail, "already closed: Cancelled");
        var timeline = await run.TimelineAsync();
        Assert.IsFalse(timeline.Any(t => t.Message.Contains("someone-else", StringComparison.Ordinal)), "the refused cancels changed nothing");
        Assert.AreEqual(1, timeline.Count(t => t.Kind == TimelineKinds.IncidentCancelled));
    }

    [TestMethod]
    public async Task Cancel_RacingAnApproval_ExactlyOneWinsAndTheRecordSaysWhich()
    {
        await using var run = await StartHostAsync();
        await run.StartAsync();
        var approvalId = (await run.WaitForStatusAsync(IncidentStatus.AwaitingApproval)).PendingApproval!;

        var decide = Task.Run(() => run.ClaimAsync(approvalId, approve: true, "alice@contoso.com"));
        var cancel = Task.Run(() => run.CancelAsync());
        var (decision, cancelled) = (await decide, await cancel);
        var completed = await run.CompletionAsync();

        await run.AssertAgreeAsync("after the race");
        var result = completed.ReadOutputAs<RemediationResult>()!;
        var timeline = await run.TimelineAsync();
        if (decision.Disposition == DecisionDisposition.Forwarded)
        {
            Assert.AreEqual(CancelDisposition.DecisionWon, cancelled.Disposition, cancelled.Detail);
            StringAssert.Contains(cancelled.Detail, "approved by alice@contoso.com");
            Assert.AreEqual(IncidentStatus.Resolved, result.Status);
            Assert.AreEqual(1, Restarts());
            StringAssert.Contains(timeline.Single(t => t.Kind == TimelineKinds.ApprovalGranted).Message, "alice@contoso.com");
            Assert.IsFalse(timeline.Any(t => t.Kind == TimelineKinds.IncidentCancelled));
        }
        else
        {
            Assert.AreEqual(DecisionDisposition.Withdrawn, decision.Disposition, decision.Detail);
            Assert.AreEqual(CancelDisposition.Accepted, cancelled.Disposition, cancelled.Detail);
            Assert.AreEqual(IncidentStatus.Cancelled, result.Status);
            Assert.AreEqual(0, Restarts());
            Assert.IsFalse(timeline.Any(t => t.Kind == TimelineKinds.ApprovalGranted));
            StringAssert.Contains(timeline.Single(t => t.Kind == TimelineKinds.IncidentCancelled).Message, Operator);
        }
    }

    [TestMethod]
    public async Task Cancel_UnknownOrClosedIncident_RefusedAndNothingChanges()
    {
        await using var run = await StartHostAsync();
        var cancellation = run.Services.GetRequiredService<IncidentCancellation>();

        var unknown = await cancellation.CancelAsync("inc-20250101-00000000000000ff", Operator, null, run.Client);
        await run.Store.UpdateStatusAsync(run.IncidentId, IncidentStatus.Resolved, "recovered on its own", DateTimeOffset.UtcNow);
        var closed = await run.CancelAsync();

        Assert.AreEqual(CancelDisposition.IncidentNotFound, unknown.Disposition);
        Assert.AreEqual(CancelDisposition.AlreadyClosed, closed.Disposition);
        StringAssert.Contains(closed.Detail, "already closed: Resolved");
        Assert.AreEqual(IncidentStatus.Resolved, (await run.Store.GetAsync(run.IncidentId))!.Status);
        Assert.AreEqual(0, (await run.TimelineAsync()).Count);
    }

    [TestMethod]
    public async Task Agreement_AnActionThatKeepsFailing_EscalatedAndTheOrchestrationNotRunning()
    {
        // Every restart call fails: the action activity exhausts its retries and the incident is escalated.
        await using var run = await StartHostAsync(settings: new Dictionary<string, string?> { ["Workflow:AutoApprove"] = "true" });
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/restart", status = 500, times = 1000 });
        await run.StartAsync();
        await run.WaitForStatusAsync(IncidentStatus.Investigating);
        await run.AssertAgreeAsync("investigating");

        var completed = await run.CompletionAsync();

        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus);
        Assert.AreEqual(IncidentStatus.Escalated, completed.ReadOutputAs<RemediationResult>()!.Status);
        await run.AssertAgreeAsync("after the failures");
        Assert.IsTrue((await run.TimelineAsync()).Any(t => t.Kind == TimelineKinds.ActionFailed));
    }

    [TestMethod]
    public async Task Cancel_EndpointBadInput_ProblemAndNothingChanges()
    {
        await using var run = await StartHostAsync(settings: new Dictionary<string, string?> { ["DecisionAuth:UnverifiedOperator"] = "local operator (unverified)" });
        var endpoint = run.Services.GetRequiredService<CancelEndpoint>();
        async Task<(int Status, string Body)> PostAsync(string? id, string? contentType, string? body)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Request.ContentType = contentType;
            var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            return await ExecuteAsync(await endpoint.HandleAsync(context.Request, id, run.Client, CancellationToken.None), context);
        }

        var malformed = await PostAsync("inc-../../x", null, null);
        var badJson = await PostAsync(run.IncidentId, "application/json", "{\"reason\":");
        var notObject = await PostAsync(run.IncidentId, "application/json", "[\"reason\"]");
        var control = await PostAsync(run.IncidentId, "application/json", "{\"reason\":\"a\\u0007b\"}");
        var tooLong = await PostAsync(run.IncidentId, "application/json", $"{{\"reason\":\"{new string('x', 501)}\"}}");
        var notText = await PostAsync(run.IncidentId, "application/json", "{\"reason\":42}");
        var tooBig = await PostAsync(run.IncidentId, "application/json", $"{{\"pad\":\"{new string('x', 5000)}\"}}");
        var notJson = await PostAsync(run.IncidentId, "text/plain", "cancel it");
        var unknown = await PostAsync("inc-20250101-00000000000000ff", null, null);

        Assert.AreEqual(400, malformed.Status, malformed.Body);
        Assert.AreEqual(400, badJson.Status, badJson.Body);
        StringAssert.Contains(badJson.Body, "Not valid JSON");
        Assert.AreEqual(400, notObject.Status);
        Assert.AreEqual(400, control.Status);
        StringAssert.Contains(control.Body, "control characters");
        Assert.AreEqual(400, tooLong.Status);
        Assert.AreEqual(400, notText.Status);
        Assert.AreEqual(413, tooBig.Status);
        Assert.AreEqual(415, notJson.Status);
        Assert.AreEqual(404, unknown.Status);
        StringAssert.Contains(unknown.Body, "Incident not found.");
        Assert.AreEqual(IncidentStatus.Received, (await run.Store.GetAsync(run.IncidentId))!.Status, "bad input changed nothing");
        Assert.AreEqual(0, (await run.TimelineAsync()).Count);
    }
}

using System.Text.Json.Nodes;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests.Notify;

/// <summary>
/// The real orchestration on DurableTaskTestHost with <c>Mail:Provider</c> AcsEmail, against Azurite and
/// the Sandbox's ACS Email routes (the harness of <see cref="ApprovalMailWorkflowTests"/>): the approval
/// mail goes out through ACS with its link and code, a failed ACS operation is retried by the workflow's
/// durable mail retry, and one that keeps failing is recorded as MailFailed without holding the incident.
/// </summary>
[TestClass]
public sealed class AcsApprovalMailWorkflowTests
{
    private const string PublicBase = "https://remediate.contoso.test/";
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetSandboxAsync() => s_sandbox.ResetAsync();

    private sealed record Run(RemediationResult Result, IReadOnlyList<TimelineEntry> Timeline)
    {
        public IReadOnlyList<string> Kinds => [.. Timeline.Select(t => t.Kind)];

        public string Message(string kind) => Timeline.First(t => t.Kind == kind).Message;

        public string Dump => string.Join("\n", Timeline.Select(t => $"{t.Sequence} {t.Kind}: {t.Message}"));
    }

    private static async Task<Run> RunAsync(string approver, RecordingApprovalLinks links, Dictionary<string, string?> settings, bool rejectOnceAsked)
    {
        var target = SandboxFixture.SiteId("contoso-shop");
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var all = new Dictionary<string, string?>(AutoRemediate.Core.Tests.Workflow.FastWorkflow.Settings())
        {
            ["Workflow:MailRetryInterval"] = "00:00:01",
            ["Mail:PublicBaseUrl"] = PublicBase,
            ["Approvers:ByApp:contoso-shop:0"] = approver,
        };
        foreach (var (key, value) in s_sandbox.AcsMailSettings().Concat(settings))
        {
            all[key] = value;
        }

        var started = await AutoRemediate.Core.Tests.Workflow.FastWorkflow.StartMemoryRemediationAsync(store, target, all, s =>
        {
            TestServices.AddCore(s, s_sandbox, tables, all);
            s.AddSingleton<IApprovalLinks>(sp => links.Over(sp.GetRequiredService<TableApprovalLinks>()));
        }, "Memory high");
        await using var host = started.Host;
        var (incidentId, instanceId) = (started.IncidentId, started.InstanceId);
        if (rejectOnceAsked)
        {
            // Decide only once the mail is out, so the mail (not the decision) is what the test waits on.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (!(await store.GetTimelineAsync(incidentId)).Any(t => t.Kind == "ApprovalMailed"))
            {
                Assert.IsLessThan(deadline, DateTime.UtcNow, "the approval request was never mailed");
                await Task.Delay(100);
            }

            var approvalId = (await store.GetAsync(incidentId))!.PendingApproval!;
            await host.Client.RaiseEventAsync(instanceId, EventNames.ApprovalDecision, new ApprovalDecisionEvent(incidentId, approvalId, false, approver, null, DateTimeOffset.UtcNow));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var completed = await host.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        return new Run(completed.ReadOutputAs<RemediationResult>()!, await store.GetTimelineAsync(incidentId));
    }

    private static async Task<List<JsonNode>> MailsToAsync(string approver) =>
        [.. (await s_sandbox.EmailsAsync()).Where(m => m!["to"]![0]!.GetValue<string>() == approver).Select(m => m!)];

    private static string Approver() => $"shop-owner-{Guid.NewGuid():N}@contoso.test";

    [TestMethod]
    public async Task NotifyApprovers_AcsEmail_ApproverGetsLinkAndCodeThroughAcsThenTheOutcome()
    {
        var approver = Approver();
        var links = new RecordingApprovalLinks();

        var run = await RunAsync(approver, links, [], rejectOnceAsked: true);

        var mails = await MailsToAsync(approver);
        Assert.HasCount(2, mails, run.Dump);
        var (_, issued) = links.Issued.Single();
        var request = mails[0];
        Assert.AreEqual("DoNotReply@sandbox.azurecomm.net", request["senderAddress"]!.GetValue<string>());
        StringAssert.StartsWith(request["subject"]!.GetValue<string>(), "Approval needed: RestartApp on contoso-shop");
        Assert.Contains($"href=\"{PublicBase}api/approve/{issued.Token}\"", request["html"]!.GetValue<string>());
        Assert.Contains("One-time code: " + issued.Code, request["plainText"]!.GetValue<string>());
        StringAssert.Contains(mails[1]["subject"]!.GetValue<string>(), "escalated to on-call");
        Assert.IsTrue(mails.All(m => m["status"]!.GetValue<string>() == "Succeeded"));
        StringAssert.Contains(run.Message("ApprovalMailed"), approver);
        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status, run.Dump);
    }

    [TestMethod]
    public async Task NotifyApprovers_AcsOperationFailsOnce_WorkflowRetriesAndTheRetryDelivers()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", lroResult = "Failed", times = 1 });
        var approver = Approver();
        var links = new RecordingApprovalLinks();

        var run = await RunAsync(approver, links, new() { ["Workflow:MailAttempts"] = "4" }, rejectOnceAsked: true);

        var requests = (await MailsToAsync(approver)).Where(m => m["subject"]!.GetValue<string>().StartsWith("Approval needed", StringComparison.Ordinal)).ToList();
        CollectionAssert.AreEqual(new[] { "Failed", "Succeeded" }, requests.Select(m => m["status"]!.GetValue<string>()).ToArray(), run.Dump);
        Assert.HasCount(2, links.Issued, "the retry issued a new link");
        Assert.Contains("One-time code: " + links.Issued[1].Link.Code, requests[1]["plainText"]!.GetValue<string>());
        StringAssert.Contains(run.Message("ApprovalMailed"), approver);
        Assert.IsFalse(run.Kinds.Contains("MailFailed"), run.Dump);
    }

    [TestMethod]
    public async Task NotifyApprovers_AcsKeepsFailing_MailFailedRecordedAndTheIncidentGoesOn()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", lroResult = "Failed", times = 100 });

        var run = await RunAsync(Approver(), new RecordingApprovalLinks(), new()
        {
            ["Workflow:MailAttempts"] = "2",
            ["Workflow:ApprovalTimeout"] = "00:00:06",
        }, rejectOnceAsked: false);

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status, run.Dump);
        StringAssert.Contains(run.Message("MailFailed"), "Could not mail the approval request");
        StringAssert.Contains(run.Message("MailFailed"), "EmailDropped");
        Assert.IsFalse(run.Kinds.Contains("ApprovalMailed"), run.Dump);
        StringAssert.Contains(run.Message("ApprovalTimedOut"), "Nobody decided");
    }
}

using System.Globalization;
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
/// The real orchestration on DurableTaskTestHost, against Azurite, the Sandbox and a real MailDev: the
/// approval mail is delivered with its link and code, and a mail server that is down (the MailDev
/// process stopped) neither fails nor holds up the incident.
/// </summary>
[TestClass]
[DoNotParallelize] // the tests stop and start the assembly's one MailDev
public sealed class ApprovalMailWorkflowTests
{
    private const string PublicBase = "https://remediate.contoso.test/";
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        await MailDevFixture.StartAsync();
        s_sandbox = await SandboxFixture.StartAsync();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await s_sandbox.DisposeAsync();
        await MailDevFixture.StartAsync(); // whatever a test stopped, the next class finds it running
    }

    [TestInitialize]
    public Task ResetSandboxAsync() => s_sandbox.ResetAsync();

    private sealed record Run(RemediationResult Result, IReadOnlyList<TimelineEntry> Timeline, IReadOnlyList<Sandbox.LoggedRequest> Requests)
    {
        public IReadOnlyList<string> Kinds => [.. Timeline.Select(t => t.Kind)];

        public string Message(string kind) => Timeline.First(t => t.Kind == kind).Message;

        public string Dump => string.Join("\n", Timeline.Select(t => $"{t.Sequence} {t.Kind}: {t.Message}"));
    }

    private sealed record Context(DurableTaskClient Client, string InstanceId, string IncidentId, TableIncidentStore Store)
    {
        public async Task<string> WaitForApprovalAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await Store.GetAsync(IncidentId))?.Status != IncidentStatus.AwaitingApproval)
            {
                Assert.IsLessThan(deadline, DateTime.UtcNow, "incident never waited for approval");
                await Task.Delay(100);
            }

            return (await Store.GetAsync(IncidentId))!.PendingApproval!;
        }

        public Task RejectAsync(string approvalId) =>
            Client.RaiseEventAsync(InstanceId, EventNames.ApprovalDecision, new ApprovalDecisionEvent(IncidentId, approvalId, false, "oncall@contoso.com", null, DateTimeOffset.UtcNow));
    }

    private static async Task<Run> RunAsync(string approver, RecordingApprovalLinks links, Dictionary<string, string?> settings, Func<Context, Task>? whileRunning = null)
    {
        var target = SandboxFixture.SiteId("contoso-shop");
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var all = new Dictionary<string, string?>(AutoRemediate.Core.Tests.Workflow.FastWorkflow.Settings())
        {
            ["Workflow:MailRetryInterval"] = "00:00:01",
            ["Mail:From"] = "AutoRemediate <remediate@contoso.test>",
            ["Mail:PublicBaseUrl"] = PublicBase,
            ["Approvers:Default:0"] = "nobody-else@contoso.test",
            ["Approvers:ByApp:contoso-shop:0"] = approver,
        };
        foreach (var (key, value) in MailDevFixture.MailSettings.Concat(settings))
        {
            all[key] = value;
        }

        var started = await AutoRemediate.Core.Tests.Workflow.FastWorkflow.StartMemoryRemediationAsync(store, target, all, s =>
        {
            TestServices.AddCore(s, s_sandbox, tables, all);
            // The real link store, with what it issues remembered for the assertions.
            s.AddSingleton<IApprovalLinks>(sp => links.Over(sp.GetRequiredService<TableApprovalLinks>()));
        }, "Memory <high> & rising");
        await using var host = started.Host;
        var incidentId = started.IncidentId;
        var context = new Context(host.Client, started.InstanceId, incidentId, store);
        if (whileRunning is not null)
        {
            await whileRunning(context);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var completed = await host.Client.WaitForInstanceCompletionAsync(context.InstanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        return new Run(completed.ReadOutputAs<RemediationResult>()!, await store.GetTimelineAsync(incidentId), s_sandbox.Requests.Snapshot());
    }

    private static string Approver() => $"shop-owner-{Guid.NewGuid():N}@contoso.test";

    private static int Restarts(Run run) => run.Requests.Count(r => r.Method == "POST" && r.Path.Contains("/restart", StringComparison.Ordinal) && r.Status == 200);

    [TestMethod]
    public async Task NotifyApprovers_MailDevUp_ApproverGetsLinkAndCodeThenTheOutcome()
    {
        var approver = Approver();
        var links = new RecordingApprovalLinks();
        IReadOnlyList<ReceivedMail> requestMails = [];

        var run = await RunAsync(approver, links, [], whileRunning: async c =>
        {
            var approvalId = await c.WaitForApprovalAsync();
            requestMails = await MailDevFixture.WaitForMailsAsync(approver, 1, TimeSpan.FromSeconds(60));
            await c.RejectAsync(approvalId);
        });

        Assert.HasCount(1, requestMails, run.Dump);
        var (invite, issued) = links.Issued.Single();
        Assert.AreEqual(approver, invite.Approver);
        var mail = requestMails[0];
        var link = PublicBase + "api/approve/" + issued.Token;
        StringAssert.Contains(mail.Subject, "Approval needed: RestartApp on contoso-shop");
        Assert.Contains($"href=\"{link}\"", mail.Html!);
        Assert.Contains("Link: " + link, mail.Text!);
        Assert.Contains("One-time code: " + issued.Code, mail.Text!);
        Assert.DoesNotContain(issued.Code, link);
        Assert.Contains("Memory &lt;high&gt; &amp; rising", mail.Html!, "the alert's description is encoded");
        Assert.Contains("MemoryWorkingSet: 1932735283.2 against GreaterThan 1610612736", mail.Text!);

        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status, run.Dump);
        Assert.AreEqual(0, Restarts(run));
        StringAssert.Contains(run.Message("ApprovalMailed"), approver);
        Assert.IsFalse(run.Timeline.Any(t => t.Message.Contains(issued.Token, StringComparison.Ordinal) || t.Message.Contains(issued.Code, StringComparison.Ordinal)),
            "neither token nor code on the timeline");
        Assert.IsLessThan(run.Timeline.Single(t => t.Kind == "ApprovalMailed").Sequence, run.Timeline.Single(t => t.Kind == "ApprovalRequested").Sequence);

        var all = await MailDevFixture.WaitForMailsAsync(approver, 2, TimeSpan.FromSeconds(30));
        Assert.HasCount(2, all);
        StringAssert.Contains(all[1].Subject, "escalated to on-call");
        Assert.IsEmpty(await MailDevFixture.WaitForMailsAsync("nobody-else@contoso.test", 0, TimeSpan.Zero), "the app's own list beats the default");
    }

    [TestMethod]
    public async Task NotifyApprovers_NobodyDecidesBeforeTheReminder_ReminderWithNewLinkThenTimedOut()
    {
        var approver = Approver();
        var links = new RecordingApprovalLinks();

        var run = await RunAsync(approver, links, new() { ["Workflow:ApprovalTimeout"] = "00:00:12", ["Workflow:ApprovalReminder"] = "00:00:06" });

        var mails = await MailDevFixture.WaitForMailsAsync(approver, 3, TimeSpan.FromSeconds(30));
        Assert.HasCount(3, mails, run.Dump);
        StringAssert.StartsWith(mails[0].Subject, "Approval needed: RestartApp on contoso-shop");
        StringAssert.StartsWith(mails[1].Subject, "Reminder: approval needed: RestartApp on contoso-shop");
        Assert.Contains("nobody has decided yet", mails[1].Text!);
        StringAssert.Contains(mails[2].Subject, "escalated to on-call");
        Assert.HasCount(2, links.Issued, "the reminder carries a new link and code");
        Assert.AreNotEqual(links.Issued[0].Link.Token, links.Issued[1].Link.Token);
        Assert.Contains("One-time code: " + links.Issued[1].Link.Code, mails[1].Text!);
        var mailed = run.Timeline.Where(t => t.Kind == "ApprovalMailed").Select(t => t.Message).ToList();
        Assert.HasCount(2, mailed, run.Dump);
        StringAssert.StartsWith(mailed[1], "Reminder of the approval request mailed to " + approver);
        StringAssert.Contains(run.Message("ApprovalTimedOut"), "timed out");
        Assert.AreEqual(0, Restarts(run));
    }

    [TestMethod]
    public async Task NotifyApprovers_WaitShorterThanTheReminderLead_NoReminder()
    {
        var approver = Approver();
        var links = new RecordingApprovalLinks();

        var run = await RunAsync(approver, links, new() { ["Workflow:ApprovalTimeout"] = "00:00:05", ["Workflow:ApprovalReminder"] = "00:00:06" });

        var mails = await MailDevFixture.WaitForMailsAsync(approver, 2, TimeSpan.FromSeconds(30));
        Assert.HasCount(2, mails, run.Dump);
        Assert.IsFalse(mails.Any(m => m.Subject!.StartsWith("Reminder", StringComparison.Ordinal)));
        Assert.HasCount(1, links.Issued);
    }

    [TestMethod]
    public async Task NotifyApprovers_MailNotConfigured_TimelineSaysNobodyWasMailed()
    {
        var links = new RecordingApprovalLinks();

        var run = await RunAsync(Approver(), links, new() { ["Mail:Host"] = null, ["Mail:Port"] = null, ["Mail:UseTls"] = null, ["Mail:From"] = null, ["Mail:PublicBaseUrl"] = null },
            whileRunning: async c => await c.RejectAsync(await c.WaitForApprovalAsync()));

        StringAssert.Contains(run.Message("ApprovalMailed"), "Mail is not configured");
        StringAssert.Contains(run.Message("ApprovalMailed"), "nobody was mailed");
        Assert.IsEmpty(links.Issued, "no link issued when nobody is mailed");
        Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status);
    }

    [TestMethod]
    public async Task NotifyApprovers_MailDevStopped_IncidentTimesOutAndTimelineSaysMailFailed()
    {
        var approver = Approver();
        await MailDevFixture.StopAsync();
        try
        {
            var run = await RunAsync(approver, new RecordingApprovalLinks(), new()
            {
                ["Workflow:MailAttempts"] = "2",
                ["Workflow:ApprovalTimeout"] = "00:00:06",
            });

            Assert.AreEqual(IncidentStatus.Escalated, run.Result.Status, run.Dump);
            StringAssert.Contains(run.Message("MailFailed"), "Could not mail the approval request");
            StringAssert.Contains(run.Message("ApprovalTimedOut"), "Nobody decided");
            Assert.IsFalse(run.Kinds.Contains("ApprovalMailed"), run.Dump);
            Assert.AreEqual(0, Restarts(run));
            Assert.AreEqual("IncidentEscalated", run.Kinds[^1], run.Dump);
        }
        finally
        {
            await MailDevFixture.StartAsync();
        }

        Assert.IsEmpty(await MailDevFixture.WaitForMailsAsync(approver, 0, TimeSpan.Zero), "nothing delivered later: its retries had run out");
    }

    [TestMethod]
    public async Task NotifyApprovers_MailDevBackWithinRetries_RetryDelivers()
    {
        var approver = Approver();
        var links = new RecordingApprovalLinks();
        IReadOnlyList<ReceivedMail> mails = [];
        await MailDevFixture.StopAsync();
        Run run;
        try
        {
            run = await RunAsync(approver, links, new() { ["Workflow:MailAttempts"] = "8" }, whileRunning: async c =>
            {
                var approvalId = await c.WaitForApprovalAsync();
                // The incident waits for approval while the mail cannot go out; then the server comes back.
                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.IsFalse((await c.Store.GetTimelineAsync(c.IncidentId)).Any(t => t.Kind == "ApprovalMailed"), "not mailed while MailDev is down");
                await MailDevFixture.StartAsync();
                mails = await MailDevFixture.WaitForMailsAsync(approver, 1, TimeSpan.FromSeconds(90));
                await c.RejectAsync(approvalId);
            });
        }
        finally
        {
            await MailDevFixture.StartAsync();
        }

        Assert.IsNotEmpty(mails, run.Dump);
        Assert.Contains("One-time code: " + links.Issued[^1].Link.Code, mails[0].Text!);
        StringAssert.Contains(run.Message("ApprovalMailed"), approver);
        Assert.IsFalse(run.Kinds.Contains("MailFailed"), run.Dump);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Azure.Data.Tables;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The orchestration history of an incident no mitigation helps, as the Azure Storage backend (the one
/// Durable Functions uses) stores it: the verification polls stay out of the remediation's history, and
/// each verification's history holds at most one generation of polls; a resolved incident's history stays within its budget.
/// </summary>
[TestClass]
public sealed class HistoryBoundTests
{
    // Budgets of the remediation's history, as the Azure Storage backend stores it (issue 15 point 4: at most 24 KiB for
    // a resolved incident, 48 KiB for one that exhausts the ladder on default settings). A resolved incident is held to
    // the goal both ways it resolves: approved by configuration (about 17 KiB) and approved by a person from the mail
    // (about 23.3 KiB: the request, the mail, the decision and the closing mail). The ladder on default settings is the
    // never-recovers benchmark's (approvals over HTTP, a 42-minute run); the auto-approved ladder here measures about
    // 25 KiB, and its budget keeps it near that, so a change that makes it grow again fails here. Sizes, not times.
    private const int ResolvedBudget = 24 * 1024;
    private const int NeverRecoversBudget = 30 * 1024;

    // Budgets of one verification generation: each poll (its timer, CheckHealth and their episodes: about 3.7 KiB) and
    // the rest (the input, the end of the rung: about 8.2 KiB). A generation holds at most 10 polls, so a verification's
    // history stays within about 49 KiB whatever the poll count. Which generation the test sees depends on how fast the
    // timers run (up to 10 polls before the 20 s deadline), so the budget is per poll, not one figure.
    private const int PollBudget = 4 * 1024;
    private const int VerificationFixedBudget = 9 * 1024;

    private const string Subscription = "/subscriptions/11111111-2222-3333-4444-555555555555";
    private const string Site = Subscription + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-crash";
    private const string ShopSite = Subscription + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";

    [TestMethod]
    public async Task Remediation_AppNeverRecovers_EveryHistoryBoundedWhateverThePollCount()
    {
        var alert = Samples.MetricAlertFor(Site);
        var criterion = alert["data"]!["alertContext"]!["condition"]!["allOf"]![0]!;
        criterion["metricName"] = "Http5xx";
        criterion["threshold"] = "10";
        criterion["timeAggregation"] = "Total";
        var (taskHub, incidentId, incident) = await RemediateAsync(alert);

        var kinds = incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        var steps = string.Join("\n", incident["timeline"]!.AsArray().Select(t => $"{t!["at"]} {t["kind"]}"));
        Assert.AreEqual("Escalated", incident["status"]!.GetValue<string>(), steps);
        Assert.AreEqual(2, kinds.Count(k => k == "VerificationFailed"));

        var history = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(taskHub + "History");
        var remediation = await OrchestrationHistory.ReadAsync(history, IncidentIds.InstanceIdFor(Site));
        Assert.AreEqual(0, remediation.Polls, "no verification poll in the remediation's history");
        Assert.IsLessThan(NeverRecoversBudget, remediation.Bytes, $"remediation history {remediation.Bytes} bytes, {remediation.Rows} rows");
        foreach (var verification in new[] { incidentId + "-v1", incidentId + "-v2" })
        {
            var rows = new List<string>();
            var stored = await OrchestrationHistory.ReadAsync(history, verification, (row, size) => rows.Add($"{size,6} {row.GetString("EventType")} {row.GetString("Name")}"));
            Assert.IsTrue(stored.Polls is > 0 and <= 10, $"{verification}: {stored.Polls} polls in its stored history\n{steps}");
            Assert.IsLessThan(VerificationFixedBudget + (stored.Polls * PollBudget), stored.Bytes, $"{verification}: {stored.Bytes} bytes, {stored.Rows} rows, {stored.Polls} polls:\n{string.Join("\n", rows)}");
        }
    }

    [TestMethod]
    public async Task Remediation_AppRecoversAfterRestart_HistoryWithinResolvedBudget()
    {
        // Polls 2 s apart, healthy for 4 s, within a minute: the app must read healthy on several polls in a row. (Before
        // the DevHost's timers were kept from firing early, 1 s polls ran back to back and could end on the poll cap
        // before the app had been healthy long enough; see SidecarOrchestrationService.NotEarly.)
        var (taskHub, _, incident) = await RemediateAsync(Samples.MetricAlertFor(ShopSite), new Dictionary<string, string?>
        {
            ["Workflow:VerifyInterval"] = "00:00:02",
            ["Workflow:VerifyHealthyFor"] = "00:00:04",
            ["Workflow:VerifyDeadline"] = "00:01:00",
        });

        var kinds = incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        var steps = string.Join("\n", incident["timeline"]!.AsArray().Select(t => $"{t!["at"]} {t["kind"]}"));
        Assert.AreEqual("Resolved", incident["status"]!.GetValue<string>(), steps);
        // The entries written later than before (with the diagnostics, with the action) are all there, in order.
        CollectionAssert.IsSubsetOf(new[] { "IncidentOpened", "SiteInspected", "PlatformChecked", "DiagnosticsCollected", "PlanChosen", "ActionTaken" }, kinds, steps);
        var approvalEnd = kinds.FindIndex(k => k is "ApprovalGranted" or "ApprovalNotNeeded");
        Assert.IsGreaterThan(kinds.IndexOf("PlanChosen"), approvalEnd, steps);
        Assert.IsLessThan(kinds.IndexOf("ActionTaken"), approvalEnd, steps);
        Assert.IsLessThan(kinds.IndexOf("DiagnosticsCollected"), kinds.IndexOf("SiteInspected"), steps);

        var history = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(taskHub + "History");
        var remediation = await OrchestrationHistory.ReadAsync(history, IncidentIds.InstanceIdFor(ShopSite));
        Assert.IsLessThan(ResolvedBudget, remediation.Bytes, $"remediation history {remediation.Bytes} bytes, {remediation.Rows} rows");
    }

    [TestMethod]
    public async Task Remediation_ApprovedByAPersonFromTheMailThenRecovers_HistoryWithinResolvedBudget()
    {
        // The default path: nothing approved by configuration, the approvers mailed (MailDev), a person decides,
        // the restart helps; the closing mail goes out too.
        await MailDevFixture.StartAsync();
        var approver = $"history-{Guid.NewGuid():N}@contoso.test";
        var settings = new Dictionary<string, string?>(MailDevFixture.MailSettings)
        {
            ["Mail:From"] = "AutoRemediate <autoremediate@contoso.test>",
            ["Approvers:Default:0"] = approver,
            ["Workflow:AutoApprove"] = "false",
            ["Workflow:VerifyInterval"] = "00:00:02",
            ["Workflow:VerifyHealthyFor"] = "00:00:04",
            ["Workflow:VerifyDeadline"] = "00:01:00",
        };
        var (taskHub, _, incident) = await RemediateAsync(Samples.MetricAlertFor(ShopSite), settings, approve: true);

        var kinds = incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        var steps = string.Join("\n", incident["timeline"]!.AsArray().Select(t => $"{t!["at"]} {t["kind"]}"));
        Assert.AreEqual("Resolved", incident["status"]!.GetValue<string>(), steps);
        CollectionAssert.IsSubsetOf(new[] { "ApprovalRequested", "ApprovalMailed", "ApprovalGranted", "ActionTaken" }, kinds, steps);
        var mails = await MailDevFixture.WaitForMailsAsync(approver, 2, TimeSpan.FromSeconds(90));

        var history = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(taskHub + "History");
        var rows = new List<string>();
        var remediation = await OrchestrationHistory.ReadAsync(history, IncidentIds.InstanceIdFor(ShopSite), (row, size) => rows.Add($"{size,6} {row.GetString("EventType")} {row.GetString("Name")}"));
        var stored = $"remediation history {remediation.Bytes} bytes, {remediation.Rows} rows:\n{string.Join("\n", rows)}";
        Assert.HasCount(2, mails, $"the approval mail and the closing mail\n{steps}\n{stored}");
        Assert.IsLessThan(ResolvedBudget, remediation.Bytes, stored);
    }

    // One alert through a DevHost on the Azure Storage Durable backend (the one Durable Functions uses), plans
    // approved by configuration, 21 polls per verification as with the defaults; returns when the incident closed
    // and its orchestration completed.
    // With approve, each pending approval is granted through the decision API as a person would.
    private static async Task<(string TaskHub, string IncidentId, JsonObject Incident)> RemediateAsync(JsonNode alert, IReadOnlyDictionary<string, string?>? overrides = null, bool approve = false)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var taskHub = "Bound" + suffix;
        var settings = new Dictionary<string, string?>
        {
            ["DevHost:DurableBackend"] = DurableBackends.AzureStorage,
            ["DevHost:TaskHub"] = taskHub,
            ["Storage:IncidentsTable"] = "Incidents" + suffix,
            ["Storage:TimelineTable"] = "Timeline" + suffix,
            ["Storage:ActionsTable"] = "Actions" + suffix,
            ["Workflow:AutoApprove"] = "true",
            ["Workflow:EscalationHold"] = "00:00:00",
            // 21 polls per verification, as many as the defaults (a poll a minute for 20 minutes) take.
            ["Workflow:VerifyInterval"] = "00:00:01",
            ["Workflow:VerifyHealthyFor"] = "00:00:02",
            ["Workflow:VerifyDeadline"] = "00:00:20",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, settings);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var posted = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.Accepted, posted.StatusCode);
        var body = (await posted.Content.ReadFromJsonAsync<JsonObject>())!;
        var incidentId = body["incidentId"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddMinutes(4);
        JsonObject incident;
        do
        {
            await Task.Delay(500);
            incident = (await http.GetFromJsonAsync<JsonObject>(body["statusUrl"]!.GetValue<string>()))!;
            if (approve && incident["pendingApproval"]?.GetValue<string>() is { } approvalId)
            {
                using var decided = await http.PostAsync(body["statusUrl"]!.GetValue<string>() + "/decision",
                    new StringContent($$"""{"approvalId":"{{approvalId}}","approve":true}""", Encoding.UTF8, "application/json"));
                Assert.IsTrue(decided.IsSuccessStatusCode || decided.StatusCode == HttpStatusCode.Conflict, $"decision: {(int)decided.StatusCode}");
            }
        }
        while (!incident["closed"]!.GetValue<bool>() && DateTime.UtcNow < deadline);

        // The incident reads closed as soon as the close activity has written it; that activity (and its closing mail)
        // may still be running. The host stays up until the orchestration has completed, or the history read would
        // be of an orchestration whose worker was stopped under it. An incident that never closed fails on its status.
        if (!incident["closed"]!.GetValue<bool>())
        {
            return (taskHub, incidentId, incident);
        }

        var history = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(taskHub + "History");
        var target = alert["data"]!["essentials"]!["alertTargetIDs"]![0]!.GetValue<string>();
        await OrchestrationHistory.WaitCompletedAsync(history, IncidentIds.InstanceIdFor(target), TimeSpan.FromSeconds(120));
        return (taskHub, incidentId, incident);
    }
}

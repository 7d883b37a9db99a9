using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Sandbox;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.DevHost.Tests;

/// <summary>Two decisions on the same approval request at once, over HTTP against an in-process DevHost.</summary>
[TestClass]
public sealed class DecisionRaceTests
{
    [TestMethod]
    public async Task PostDecision_TwoApproversAtOnce_One202One409NamingTheWinnerAndOneRestart()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Storage:IncidentsTable"] = "Incidents" + suffix,
            ["Storage:TimelineTable"] = "Timeline" + suffix,
            ["Storage:ActionsTable"] = "Actions" + suffix,
            ["Storage:ApprovalsTable"] = "Approvals" + suffix,
            ["Workflow:EscalationHold"] = "00:00:00",
            ["Workflow:VerifyInterval"] = "00:00:01",
            ["Workflow:VerifyHealthyFor"] = "00:00:02",
            ["Workflow:VerifyDeadline"] = "00:00:20",
        });
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var posted = await http.PostAsync("/api/alerts", new StringContent(Samples.MetricAlertFor(Samples.ShopSiteId).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.Accepted, posted.StatusCode);
        var statusUrl = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["statusUrl"]!.GetValue<string>();
        var waiting = await WaitUntilAsync(http, statusUrl, i => i["status"]!.GetValue<string>() == "AwaitingApproval");
        Assert.AreEqual("AwaitingApproval", waiting["status"]!.GetValue<string>(), waiting.ToJsonString());
        var approvalId = waiting["pendingApproval"]!.GetValue<string>();
        var decisionUrl = statusUrl + "/decision";

        // Two clicks at once, one to approve and one to reject (on the DevHost both are the unverified local
        // operator: who decides comes from sign-in, not from the body's "approver").
        var answers = await Task.WhenAll(new[] { true, false }.Select(approve => Task.Run(async () =>
        {
            using var response = await http.PostAsync(decisionUrl, new StringContent(
                $$"""{"approvalId":"{{approvalId}}","approve":{{(approve ? "true" : "false")}},"approver":"alice@contoso.com"}""", Encoding.UTF8, "application/json"));
            return (response.StatusCode, Approve: approve, Body: (await response.Content.ReadFromJsonAsync<JsonObject>())!);
        })));

        var accepted = answers.Single(a => a.StatusCode == HttpStatusCode.Accepted);
        var refused = answers.Single(a => a.StatusCode == HttpStatusCode.Conflict);
        Assert.AreEqual("local operator (unverified)", accepted.Body["approver"]!.GetValue<string>());
        Assert.AreEqual("local operator (unverified)", refused.Body["decidedBy"]!.GetValue<string>());
        StringAssert.Contains(refused.Body["detail"]!.GetValue<string>(), $"{(accepted.Approve ? "approved" : "rejected")} by local operator (unverified) at");
        var incident = await WaitUntilAsync(http, statusUrl, i => i["closed"]!.GetValue<bool>());
        Assert.AreEqual(accepted.Approve ? "Resolved" : "Escalated", incident["status"]!.GetValue<string>(), incident.ToJsonString());
        var decided = incident["timeline"]!.AsArray().Where(t => t!["kind"]!.GetValue<string>() is "ApprovalGranted" or "ApprovalRejected").ToList();
        Assert.HasCount(1, decided, "one decision recorded");
        StringAssert.Contains(decided[0]!["message"]!.GetValue<string>(), "local operator (unverified)");
        Assert.DoesNotContain("alice@contoso.com", incident.ToJsonString(), "the body's approver is not trusted");
        var restarts = host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot()
            .Count(r => r.Method == "POST" && r.Path.EndsWith("/sites/contoso-shop/restart", StringComparison.OrdinalIgnoreCase) && r.Status == 200);
        Assert.AreEqual(accepted.Approve ? 1 : 0, restarts, "exactly the one decision acted on");
    }

    private static Task<JsonObject> WaitUntilAsync(HttpClient http, string statusUrl, Func<JsonObject, bool> until) =>
        IncidentPolling.WaitUntilAsync(http, statusUrl, until, TimeSpan.FromSeconds(90));
}

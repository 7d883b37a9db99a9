using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Sandbox;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// POST /api/incidents/{id}/cancel over HTTP against an in-process DevHost: who cancels is the DevHost's unverified
/// local operator, the incident ends Cancelled with the orchestration Completed, an approval link mailed before shows
/// the no-longer-needed page and decides nothing, and a second cancel is refused with the final state.
/// </summary>
[TestClass]
public sealed class CancelTests
{
    [TestMethod]
    public async Task PostCancel_WhileAwaitingApproval_202CancelledByTheLocalOperatorAndTheMailedLinkChangesNothing()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Storage:IncidentsTable"] = "Incidents" + suffix,
            ["Storage:TimelineTable"] = "Timeline" + suffix,
            ["Storage:ActionsTable"] = "Actions" + suffix,
            ["Storage:ApprovalsTable"] = "Approvals" + suffix,
            ["Storage:ApprovalLinksTable"] = "Links" + suffix,
            ["Workflow:EscalationHold"] = "00:00:00",
        });
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var posted = await http.PostAsync("/api/alerts", new StringContent(Samples.MetricAlertFor(Samples.ShopSiteId).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.Accepted, posted.StatusCode);
        var statusUrl = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["statusUrl"]!.GetValue<string>();
        var waiting = await WaitUntilAsync(http, statusUrl, i => i["status"]!.GetValue<string>() == "AwaitingApproval");
        Assert.AreEqual("AwaitingApproval", waiting["status"]!.GetValue<string>(), waiting.ToJsonString());
        var incidentId = waiting["incidentId"]!.GetValue<string>();
        var approvalId = waiting["pendingApproval"]!.GetValue<string>();
        // The link an approver was mailed (issued as NotifyApprovers issues it).
        var link = await host.Services.GetRequiredService<IApprovalLinks>().IssueAsync(
            new ApprovalInvite(incidentId, approvalId, "alice@contoso.com", "RestartApp", DateTimeOffset.UtcNow.AddMinutes(20)));

        using var cancel = await http.PostAsync(statusUrl + "/cancel", new StringContent("""{"reason":"a fix is being deployed"}""", Encoding.UTF8, "application/json"));

        var accepted = (await cancel.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.AreEqual(HttpStatusCode.Accepted, cancel.StatusCode, accepted.ToJsonString());
        Assert.AreEqual(statusUrl, cancel.Headers.Location?.ToString());
        Assert.AreEqual(statusUrl, accepted["statusUrl"]!.GetValue<string>());
        var incident = await WaitUntilAsync(http, statusUrl, i => i["closed"]!.GetValue<bool>());
        Assert.AreEqual("Cancelled", incident["status"]!.GetValue<string>(), incident.ToJsonString());
        // The close activity writes the closed status, then the orchestration completes: wait for that, within a bound.
        using var completion = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var instance = await host.Services.GetRequiredService<DurableTaskClient>().WaitForInstanceCompletionAsync(
            IncidentIds.InstanceIdFor(Samples.ShopSiteId), getInputsAndOutputs: true, completion.Token);
        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus, "the orchestration completed, not terminated or failed");
        var cancelled = incident["timeline"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "IncidentCancelled")!["message"]!.GetValue<string>();
        StringAssert.Contains(cancelled, "Cancelled by local operator (unverified) at ");
        StringAssert.Contains(cancelled, "a fix is being deployed");
        var requested = incident["timeline"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "CancelRequested")!;
        Assert.AreEqual("person", requested["source"]!.GetValue<string>(), "a person's cancel, not something Azure reported");
        StringAssert.Contains(requested["message"]!.GetValue<string>(), "local operator (unverified)");

        // The mailed link: the no-longer-needed page, and its form decides nothing.
        using var page = await http.GetAsync($"/api/approve/{link.Token}");
        Assert.AreEqual(HttpStatusCode.Gone, page.StatusCode);
        StringAssert.Contains(await page.Content.ReadAsStringAsync(), "No longer needed");
        using var click = await http.PostAsync($"/api/approve/{link.Token}", new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = link.Code, ["decision"] = "approve" }));
        Assert.AreEqual(HttpStatusCode.Gone, click.StatusCode);
        var after = await WaitUntilAsync(http, statusUrl, _ => true);
        Assert.AreEqual("Cancelled", after["status"]!.GetValue<string>());
        Assert.IsFalse(after["timeline"]!.AsArray().Any(t => t!["kind"]!.GetValue<string>() is "ApprovalGranted" or "ActionTaken"), after.ToJsonString());
        var restarts = host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot()
            .Count(r => r.Method == "POST" && r.Path.EndsWith("/sites/contoso-shop/restart", StringComparison.OrdinalIgnoreCase));
        Assert.AreEqual(0, restarts, "nothing was done to the app");

        // A second cancel: 409 naming the final state, and nothing changes.
        using var again = await http.PostAsync(statusUrl + "/cancel", null);
        var problem = (await again.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.AreEqual(HttpStatusCode.Conflict, again.StatusCode);
        Assert.AreEqual("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual("Cancelled", problem["incidentStatus"]!.GetValue<string>());
        StringAssert.Contains(problem["detail"]!.GetValue<string>(), "already closed: Cancelled");
        var last = await WaitUntilAsync(http, statusUrl, _ => true);
        Assert.AreEqual(after["timeline"]!.AsArray().Count, last["timeline"]!.AsArray().Count);
    }

    private static Task<JsonObject> WaitUntilAsync(HttpClient http, string statusUrl, Func<JsonObject, bool> until) =>
        IncidentPolling.WaitUntilAsync(http, statusUrl, until, TimeSpan.FromSeconds(90));
}

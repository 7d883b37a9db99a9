using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Approvals;
using AutoRemediate.DevHost;
using AutoRemediate.Sandbox;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// Deciding from an approval link, over HTTP against an in-process DevHost whose other routes need a
/// function key: the link's page needs none, opening it decides nothing, and the form with the code decides
/// only the link's own request, as the addressed approver, from the client's address.
/// </summary>
[TestClass]
public sealed class ApprovalLinkTests
{
    private const string FunctionKey = "links-test-key";
    private const string OtherSiteId = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-api";

    // Incident B: waiting on its own request (stored as the workflow stores it), for a link of incident A to try to decide.
    private static async Task<(string IncidentId, string ApprovalId)> StoredWaitingIncidentAsync(DevHostRunner host)
    {
        var store = host.Services.GetRequiredService<AutoRemediate.Incidents.IIncidentStore>();
        var approvals = host.Services.GetRequiredService<IApprovalStore>();
        var now = DateTimeOffset.UtcNow;
        var incidentId = "inc-20261130-" + Guid.NewGuid().ToString("N")[..16];
        var approvalId = incidentId + "-r1";
        Assert.IsTrue(await store.TryCreateAsync(new AutoRemediate.Incidents.IncidentRecord(incidentId, OtherSiteId, "alert-b", "Http5xx", "Sev2",
            AutoRemediate.Incidents.IncidentStatus.AwaitingApproval, "Waiting for approval of RestartInstance.", now, now)));
        await approvals.OpenAsync(incidentId, approvalId, "RestartInstance", now, now.AddMinutes(30));
        await store.SetPendingApprovalAsync(incidentId, approvalId);
        return (incidentId, approvalId);
    }

    [TestMethod]
    public async Task PostApprove_RightCodeWithoutFunctionKey_WorkflowRestartsOnlyTheLinksIncidentAsTheAddressedApprover()
    {
        await using var host = await StartAsync();
        using var keyed = Keyed(host);
        using var browser = Browser(host);
        var (shopUrl, shopApproval) = await AwaitingApprovalAsync(keyed, Samples.ShopSiteId);
        var (otherId, otherApproval) = await StoredWaitingIncidentAsync(host);
        var issued = await IssueAsync(host, IncidentId(shopUrl), shopApproval, "alice@contoso.com");
        var page = "/api/approve/" + issued.Token;

        using var opened = await browser.GetAsync(page);
        var review = await opened.Content.ReadAsStringAsync();
        // The form names the other incident's request: the link must decide its own, nothing else.
        using var posted = await browser.PostAsync(page, Form(
            ("code", issued.Code.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal)), ("decision", "approve"), ("comment", "go <ahead>"),
            ("incidentId", otherId), ("approvalId", otherApproval)));
        using var after = await browser.GetAsync(page);
        var final = await after.Content.ReadAsStringAsync();
        using var replay = await browser.PostAsync(page, Form(("code", issued.Code), ("decision", "reject")));

        Assert.AreEqual(HttpStatusCode.OK, opened.StatusCode, review);
        StringAssert.Contains(review, "contoso-shop");
        StringAssert.Contains(review, shopApproval);
        Assert.AreEqual(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, after.StatusCode, final);
        StringAssert.Contains(final, "Approved by alice@contoso.com at");
        StringAssert.Contains(final, "go &lt;ahead&gt;");
        Assert.AreEqual(HttpStatusCode.SeeOther, replay.StatusCode, "a repeated click shows the final state");
        var incident = await WaitUntilAsync(keyed, shopUrl, i => i["closed"]!.GetValue<bool>());
        Assert.AreEqual("Resolved", incident["status"]!.GetValue<string>(), incident.ToJsonString());
        var timeline = incident["timeline"]!.AsArray();
        var granted = timeline.Single(t => t!["kind"]!.GetValue<string>() == "ApprovalGranted")!["message"]!.GetValue<string>();
        StringAssert.Contains(granted, "alice@contoso.com (\"go <ahead>\") from 127.0.0.1");
        Assert.AreEqual(1, timeline.Count(t => t!["kind"]!.GetValue<string>() == "LinkOpened"));
        Assert.AreEqual(0, timeline.Count(t => t!["kind"]!.GetValue<string>() == "ApprovalRejected"));
        // Read from storage: incident B has no workflow, so GET /api/incidents/B would escalate it.
        var other = await host.Services.GetRequiredService<AutoRemediate.Incidents.IIncidentStore>().GetAsync(otherId);
        Assert.AreEqual(AutoRemediate.Incidents.IncidentStatus.AwaitingApproval, other!.Status, "the other incident is untouched");
        Assert.AreEqual(otherApproval, other.PendingApproval);
        Assert.IsFalse((await host.Services.GetRequiredService<AutoRemediate.Incidents.IIncidentStore>().GetTimelineAsync(otherId)).Any());
        var otherRow = await host.Services.GetRequiredService<IApprovalStore>().GetAsync(otherId, otherApproval);
        Assert.AreEqual(ApprovalState.Pending, otherRow!.State);
        Assert.IsNull(otherRow.DecidedBy);
        Assert.AreEqual(1, Restarts(host, "contoso-shop"));
    }

    [TestMethod]
    public async Task PostReject_RightCode_IncidentEscalatesAndNothingIsRestarted()
    {
        await using var host = await StartAsync();
        using var keyed = Keyed(host);
        using var browser = Browser(host);
        var (url, approvalId) = await AwaitingApprovalAsync(keyed, Samples.ShopSiteId);
        var issued = await IssueAsync(host, IncidentId(url), approvalId, "bob@contoso.com");

        using var posted = await browser.PostAsync("/api/approve/" + issued.Token, Form(("code", issued.Code), ("decision", "reject")));
        using var after = await browser.GetAsync("/api/approve/" + issued.Token);

        Assert.AreEqual(HttpStatusCode.SeeOther, posted.StatusCode);
        StringAssert.Contains(await after.Content.ReadAsStringAsync(), "Rejected by bob@contoso.com");
        var incident = await WaitUntilAsync(keyed, url, i => i["closed"]!.GetValue<bool>());
        Assert.AreEqual("Escalated", incident["status"]!.GetValue<string>(), incident.ToJsonString());
        var rejected = incident["timeline"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "ApprovalRejected")!["message"]!.GetValue<string>();
        StringAssert.Contains(rejected, "bob@contoso.com from 127.0.0.1");
        Assert.AreEqual(0, Restarts(host, "contoso-shop"));
    }

    [TestMethod]
    public async Task GetAndPost_HundredOpensThenWrongCodes_NoDecisionThenLockedAndTheRightCodeIsRefused()
    {
        await using var host = await StartAsync();
        using var keyed = Keyed(host);
        using var browser = Browser(host);
        var (url, approvalId) = await AwaitingApprovalAsync(keyed, Samples.ShopSiteId);
        var issued = await IssueAsync(host, IncidentId(url), approvalId, "carol@contoso.com");
        var page = "/api/approve/" + issued.Token;

        for (var i = 0; i < 100; i++)
        {
            using var opened = await browser.GetAsync(page);
            Assert.AreEqual(HttpStatusCode.OK, opened.StatusCode);
        }

        var waiting = await keyed.GetFromJsonAsync<JsonObject>(url);
        var wrong = (issued.Code[0] == 'A' ? "B" : "A") + issued.Code[1..];
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var tried = await browser.PostAsync(page, Form(("code", wrong), ("decision", "approve")));
            statuses.Add(tried.StatusCode);
        }

        using var right = await browser.PostAsync(page, Form(("code", issued.Code), ("decision", "approve")));

        Assert.AreEqual("AwaitingApproval", waiting!["status"]!.GetValue<string>(), "100 opens decided nothing");
        CollectionAssert.AreEqual(new[] { HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, (HttpStatusCode)423 }, statuses);
        Assert.AreEqual((HttpStatusCode)423, right.StatusCode);
        var incident = await keyed.GetFromJsonAsync<JsonObject>(url);
        Assert.AreEqual("AwaitingApproval", incident!["status"]!.GetValue<string>());
        var kinds = incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        Assert.AreEqual(1, kinds.Count(k => k == "LinkOpened"));
        Assert.AreEqual(1, kinds.Count(k => k == "LinkLocked"));
        Assert.IsFalse(kinds.Any(k => k is "ApprovalGranted" or "ApprovalRejected"));
        Assert.AreEqual(ApprovalState.Pending, (await host.Services.GetRequiredService<IApprovalStore>().GetAsync(IncidentId(url), approvalId))!.State);
    }

    [TestMethod]
    public async Task GetApprove_ForgedToken_404PageWithoutAKeyWhileOtherRoutesStillNeedOne()
    {
        await using var host = await StartAsync();
        using var browser = Browser(host);

        using var forged = await browser.GetAsync("/api/approve/" + ApprovalLinkSecrets.NewToken());
        using var altered = await browser.GetAsync("/api/approve/not-a-token");
        using var incidents = await browser.GetAsync("/api/incidents/inc-20261130-0000000000000001");

        Assert.AreEqual(HttpStatusCode.NotFound, forged.StatusCode);
        StringAssert.Contains(await forged.Content.ReadAsStringAsync(), "This link is not valid");
        Assert.AreEqual("text/html", forged.Content.Headers.ContentType!.MediaType);
        Assert.AreEqual("no-referrer", forged.Headers.GetValues("Referrer-Policy").Single());
        Assert.AreEqual(HttpStatusCode.NotFound, altered.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, incidents.StatusCode, "the function key is still required elsewhere");
    }

    private static Task<DevHostRunner> StartAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        return InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Storage:IncidentsTable"] = "Incidents" + suffix,
            ["Storage:TimelineTable"] = "Timeline" + suffix,
            ["Storage:ActionsTable"] = "Actions" + suffix,
            ["Storage:ApprovalsTable"] = "Approvals" + suffix,
            ["Storage:ApprovalLinksTable"] = "Links" + suffix,
            ["DevHost:FunctionKey"] = FunctionKey,
            ["Workflow:EscalationHold"] = "00:00:00",
            ["Workflow:VerifyInterval"] = "00:00:01",
            ["Workflow:VerifyHealthyFor"] = "00:00:02",
            ["Workflow:VerifyDeadline"] = "00:00:20",
        });
    }

    private static HttpClient Keyed(DevHostRunner host)
    {
        var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        return http;
    }

    // What a person's browser sends: no key, redirects not followed (so the 303 is seen).
    private static HttpClient Browser(DevHostRunner host) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static async Task<(string StatusUrl, string ApprovalId)> AwaitingApprovalAsync(HttpClient keyed, string siteId)
    {
        using var posted = await keyed.PostAsync("/api/alerts", new StringContent(Samples.MetricAlertFor(siteId).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.Accepted, posted.StatusCode);
        var statusUrl = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["statusUrl"]!.GetValue<string>();
        var waiting = await WaitUntilAsync(keyed, statusUrl, i => i["status"]!.GetValue<string>() == "AwaitingApproval");
        return (statusUrl, waiting["pendingApproval"]!.GetValue<string>());
    }

    private static Task<IssuedLink> IssueAsync(DevHostRunner host, string incidentId, string approvalId, string approver) =>
        host.Services.GetRequiredService<IApprovalLinks>().IssueAsync(new ApprovalInvite(incidentId, approvalId, approver, "RestartInstance", DateTimeOffset.UtcNow.AddMinutes(30)));

    private static string IncidentId(string statusUrl) => statusUrl.TrimEnd('/')[(statusUrl.TrimEnd('/').LastIndexOf('/') + 1)..];

    private static int Restarts(DevHostRunner host, string app) => host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot()
        .Count(r => r.Method == "POST" && r.Path.EndsWith($"/sites/{app}/restart", StringComparison.OrdinalIgnoreCase) && r.Status == 200);

    private static Task<JsonObject> WaitUntilAsync(HttpClient http, string statusUrl, Func<JsonObject, bool> until) =>
        IncidentPolling.WaitUntilAsync(http, statusUrl, until, TimeSpan.FromSeconds(90));
}

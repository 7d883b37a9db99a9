using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Sandbox;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// Alerts are untrusted even behind the function key. With Scope set to one app, crafted target ids
/// (dot segments, percent-encoding, queries, other subscriptions, other spellings) must never make the
/// pipeline call anything about another app; the Sandbox's request log is the witness. Oversized and
/// over-counted deliveries are refused with the limit named, and well-formed alerts that are not about
/// an app are acknowledged, not refused.
/// </summary>
[TestClass]
public sealed class TrustBoundaryTests
{
    private const string Sub = "11111111-2222-3333-4444-555555555555";
    private const string Shop = "/subscriptions/" + Sub + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
    private static DevHostRunner s_host = null!;
    private static HttpClient s_http = null!;
    private static string s_incidentsTable = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        s_incidentsTable = "Incidents" + Guid.NewGuid().ToString("N")[..10];
        s_host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["Storage:IncidentsTable"] = s_incidentsTable,
            ["Storage:TimelineTable"] = "Timeline" + Guid.NewGuid().ToString("N")[..10],
            ["Storage:ActionsTable"] = "Actions" + Guid.NewGuid().ToString("N")[..10],
            ["Scope:AllowedResourceIds:0"] = Shop,
        });
        s_http = new HttpClient { BaseAddress = s_host.BaseAddress };
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        s_http.Dispose();
        await s_host.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body, TimeSpan Took)> PostAlertAsync(JsonNode alert)
    {
        var watch = Stopwatch.StartNew();
        using var response = await s_http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json"));
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (response.StatusCode, body, watch.Elapsed);
    }

    private static JsonNode AlertFor(string target) => Samples.MetricAlertFor(target);

    // An App Service event in the Event Grid schema about contoso-shop.
    private static JsonNode AppUpdated(string id) => new JsonObject
    {
        ["id"] = id,
        ["eventType"] = "Microsoft.Web.AppUpdated",
        ["subject"] = "sites/contoso-shop",
        ["eventTime"] = "2026-11-30T10:00:00Z",
        ["dataVersion"] = "1",
        ["topic"] = Shop,
        ["data"] = new JsonObject(),
    };

    private static Task<HttpResponseMessage> PostEventsAsync(JsonArray events) =>
        s_http.PostAsync("/api/events", new StringContent(events.ToJsonString(), Encoding.UTF8, "application/json"));

    private static IReadOnlyList<LoggedRequest> SandboxRequests() => s_host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot();

    [TestMethod]
    public async Task Alerts_CraftedTargetIds_IgnoredAndNothingOutsideScopeIsEverCalled()
    {
        string[] crafted =
        [
            Shop + "/../../sites/contoso-cpu",
            Shop + "/slots/../../contoso-cpu",
            Shop + "/%2E%2E/%2E%2E/sites/contoso-cpu",
            Shop + "%2F..%2F..%2Fsites%2Fcontoso-cpu",
            Shop + "/..%2F..%2Fsites%2Fcontoso-cpu",
            Shop + "?x=/../../sites/contoso-cpu",
            Shop + "#/../../sites/contoso-cpu",
            "/subscriptions/" + Sub + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web//sites/contoso-cpu",
            "/subscriptions/" + Sub + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-cpu",
            "/subscriptions/99999999-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop",
        ];
        var before = SandboxRequests().Count;

        foreach (var target in crafted)
        {
            var (status, body, _) = await PostAlertAsync(AlertFor(target));

            Assert.AreEqual(HttpStatusCode.OK, status, target);
            Assert.AreEqual("ignored", body["status"]!.GetValue<string>(), target);
            Assert.AreEqual("Ignored", body["targets"]![0]!["disposition"]!.GetValue<string>(), target);
        }

        Assert.AreEqual(before, SandboxRequests().Count, "an ignored target was fetched");

        // The real app, then the same app spelled in upper case: one incident, one remediation.
        var (started, first, _) = await PostAlertAsync(AlertFor(Shop));
        var (repeated, second, _) = await PostAlertAsync(AlertFor(Shop.ToUpperInvariant()));

        Assert.AreEqual(HttpStatusCode.Accepted, started);
        Assert.AreEqual(HttpStatusCode.Accepted, repeated);
        Assert.AreEqual("Started", first["targets"]![0]!["disposition"]!.GetValue<string>());
        Assert.AreEqual("Repeated", second["targets"]![0]!["disposition"]!.GetValue<string>());
        Assert.AreEqual(first["incidentId"]!.GetValue<string>(), second["incidentId"]!.GetValue<string>());
        Assert.AreEqual(Shop, second["targets"]![0]!["target"]!.GetValue<string>(), "only the canonical id is used");

        // Let the workflow read everything it reads before it asks for approval.
        var statusUrl = first["statusUrl"]!.GetValue<string>();
        var incident = await IncidentPolling.WaitUntilAsync(s_http, statusUrl,
            i => i["status"]!.GetValue<string>() is "AwaitingApproval" or "Escalated" or "Resolved", TimeSpan.FromSeconds(60));

        Assert.AreEqual("AwaitingApproval", incident["status"]!.GetValue<string>());
        var calls = SandboxRequests().Skip(before).ToList();
        Assert.IsNotEmpty(calls);
        var otherApps = new[] { "contoso-cpu", "contoso-api", "contoso-crash", "contoso-onebad", "contoso-outage", "contoso-worker", "99999999" };
        var outside = calls.Where(c => otherApps.Any(a => c.Path.Contains(a, StringComparison.OrdinalIgnoreCase)) || c.Path.Contains("..", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(outside, string.Join("\n", outside.Select(c => $"{c.Method} {c.Path}")));
        Assert.IsTrue(calls.Where(c => c.Path.Contains("/sites/", StringComparison.OrdinalIgnoreCase)).All(c => c.Path.Contains("/sites/contoso-shop", StringComparison.OrdinalIgnoreCase)));
    }

    [TestMethod]
    public async Task Alerts_TwoThousandTargets_400NamesTheLimitAtOnceAndStartsNothing()
    {
        var rowsBefore = await TableRows.CountAsync(s_incidentsTable);
        var alert = AlertFor(Shop);
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray([.. Enumerable.Range(0, 2000).Select(i => JsonValue.Create(Shop.Replace("contoso-shop", $"app-{i:0000}", StringComparison.Ordinal)))]);

        var (status, problem, took) = await PostAlertAsync(alert);

        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        StringAssert.Contains(problem["detail"]!.GetValue<string>(), "2000 targets; at most 20");
        StringAssert.Contains(problem["detail"]!.GetValue<string>(), "Ingest:MaxTargetsPerAlert");
        Assert.IsLessThan(TimeSpan.FromSeconds(30), took, "refused up front, not worked through");
        Assert.AreEqual(rowsBefore, await TableRows.CountAsync(s_incidentsTable));
    }

    [TestMethod]
    public async Task Alerts_AlertRuleOf200KB_400NotA500()
    {
        var alert = AlertFor(Shop);
        alert["data"]!["essentials"]!["alertRule"] = new string('r', 200 * 1024);

        var (status, problem, _) = await PostAlertAsync(alert);

        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        Assert.AreEqual("data.essentials.alertRule", problem["errors"]![0]!["field"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Alerts_BudgetTestNotificationWithNulls_200IgnoredWithTheReason()
    {
        var alert = AlertFor(Shop);
        var essentials = alert["data"]!["essentials"]!.AsObject();
        essentials["monitoringService"] = "CostAlerts";
        essentials["alertRule"] = null;
        essentials["severity"] = null;
        essentials["alertTargetIDs"] = null;

        var (status, body, _) = await PostAlertAsync(alert);

        Assert.AreEqual(HttpStatusCode.OK, status);
        Assert.AreEqual("ignored", body["status"]!.GetValue<string>());
        StringAssert.Contains(body["reason"]!.GetValue<string>(), "not about an App Service app");
    }

    [TestMethod]
    public async Task Alerts_LogSearchAlertAboutAVirtualMachine_200IgnoredNamingTheType()
    {
        var alert = Samples.Local("alerts/common.log-v2.json");
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray("/subscriptions/" + Sub + "/resourcegroups/rg-vm/providers/microsoft.compute/virtualmachines/vm-01");

        var (status, body, _) = await PostAlertAsync(alert);

        Assert.AreEqual(HttpStatusCode.OK, status);
        Assert.AreEqual("ignored", body["status"]!.GetValue<string>());
        StringAssert.Contains(body["reason"]!.GetValue<string>(), "microsoft.compute/virtualmachines");
    }

    [TestMethod]
    public async Task Events_101EventsInOneDelivery_400NamesTheLimit()
    {
        var events = new JsonArray([.. Enumerable.Range(0, 101).Select(i => AppUpdated($"evt-{i}"))]);

        using var response = await PostEventsAsync(events);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(problem["detail"]!.GetValue<string>(), "101 events; at most 100");
    }

    [TestMethod]
    public async Task Events_IdWithControlCharacters_400NamesTheEvent()
    {
        using var response = await PostEventsAsync(new JsonArray(AppUpdated("evt-\u0000-1")));
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("[0].id", problem["errors"]![0]!["field"]!.GetValue<string>());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Sandbox;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The DevHost booted in process against the test run's Azurite and its own Sandbox, driven over
/// HTTP exactly as an action group and an engineer would.
/// </summary>
[TestClass]
public sealed class DevHostEndToEndTests
{
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
            ["Workflow:VerifyInterval"] = "00:00:01",
            ["Workflow:VerifyHealthyFor"] = "00:00:02",
            ["Workflow:VerifyDeadline"] = "00:00:20",
        });
        s_http = new HttpClient { BaseAddress = s_host.BaseAddress };
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        s_http.Dispose();
        await s_host.DisposeAsync();
    }

    private static StringContent Json(string text, string contentType = "application/json") => new(text, Encoding.UTF8, contentType);

    private static Task<int> IncidentRowsAsync() => TableRows.CountAsync(s_incidentsTable);

    private static Task<JsonObject> WaitUntilClosedAsync(string statusUrl) => WaitUntilAsync(statusUrl, i => i["closed"]!.GetValue<bool>());

    [TestMethod]
    public async Task PostAlert_SiteTarget_AcceptedThenIncidentStoredWithStatusAndTimeline()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);

        using var response = await s_http.PostAsync("/api/alerts", Json(alert.ToJsonString()));

        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var incidentId = body["incidentId"]!.GetValue<string>();
        var statusUrl = body["statusUrl"]!.GetValue<string>();
        Assert.AreEqual(new Uri(s_host.BaseAddress, $"/api/incidents/{incidentId}").ToString(), statusUrl);
        Assert.AreEqual(statusUrl, response.Headers.Location!.ToString());
        Assert.DoesNotContain("runtime/webhooks", statusUrl);
        Assert.DoesNotContain("code=", statusUrl);

        // The leak on contoso-shop calls for a dump and a restart, which waits for people.
        var waiting = await WaitUntilAsync(statusUrl, i => i["status"]!.GetValue<string>() == "AwaitingApproval");
        Assert.AreEqual("AwaitingApproval", waiting["status"]!.GetValue<string>(), waiting.ToJsonString());
        var approvalId = waiting["pendingApproval"]!.GetValue<string>();
        var decisionUrl = $"/api/incidents/{incidentId}/decision";
        var restartsBefore = RestartRequests();
        Assert.AreEqual(0, restartsBefore, "nothing is done before approval");

        // Bad decisions change nothing.
        using (var wrongId = await s_http.PostAsync(decisionUrl, Json("""{"approvalId":"inc-older-r1","approve":true,"approver":"oncall@contoso.com"}""")))
        {
            Assert.AreEqual(HttpStatusCode.Conflict, wrongId.StatusCode);
            Assert.AreEqual("application/problem+json", wrongId.Content.Headers.ContentType!.MediaType);
        }

        using (var noChoice = await s_http.PostAsync(decisionUrl, Json($$"""{"approvalId":"{{approvalId}}","approver":"oncall@contoso.com"}""")))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, noChoice.StatusCode);
            StringAssert.Contains(await noChoice.Content.ReadAsStringAsync(), "approve");
        }

        using (var unknown = await s_http.PostAsync("/api/incidents/inc-20250101-0000000000000000/decision", Json($$"""{"approvalId":"x","approve":true,"approver":"a"}""")))
        {
            Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        Assert.AreEqual("AwaitingApproval", (await s_http.GetFromJsonAsync<JsonObject>(statusUrl))!["status"]!.GetValue<string>());

        using (var approve = await s_http.PostAsync(decisionUrl, Json($$"""{"approvalId":"{{approvalId}}","approve":true,"approver":"oncall@contoso.com","comment":"go"}""")))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, approve.StatusCode, await approve.Content.ReadAsStringAsync());
        }

        var incident = await WaitUntilClosedAsync(statusUrl);

        Assert.AreEqual("Resolved", incident["status"]!.GetValue<string>(), incident.ToJsonString());
        Assert.AreEqual(incidentId, incident["incidentId"]!.GetValue<string>());
        Assert.AreEqual(Samples.ShopSiteId, incident["targetResourceId"]!.GetValue<string>());
        CollectionAssert.AreEqual(
            new[]
            {
                "AlertReceived", "IncidentOpened", "SiteInspected", "PlatformChecked", "DiagnosticsCollected", "PlanChosen", "DumpCaptured",
                "ApprovalRequested", "ApprovalMailed", "ApprovalGranted", "ActionTaken", "HealthyAgain", "IncidentResolved",
            },
            incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToArray(),
            incident["timeline"]!.ToJsonString());
        Assert.AreEqual(1, RestartRequests());
        // Without Entra ID the DevHost records who decided as what it is: unverified.
        StringAssert.Contains(incident["timeline"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "ApprovalGranted")!["message"]!.GetValue<string>(), "local operator (unverified)");
        var sandboxLog = s_host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot();
        Assert.IsTrue(sandboxLog.Any(r => r.Method == "GET" && r.Path.EndsWith("/sites/contoso-shop", StringComparison.OrdinalIgnoreCase) && r.HadBearerToken && r.Status == 200));

        // The postmortem, as on-call downloads it.
        using (var export = await s_http.GetAsync(statusUrl + "/export"))
        {
            Assert.AreEqual(HttpStatusCode.OK, export.StatusCode);
            Assert.AreEqual("text/markdown", export.Content.Headers.ContentType!.MediaType);
            Assert.AreEqual($"{incidentId}-postmortem.md", export.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
            var markdown = await export.Content.ReadAsStringAsync();
            foreach (var part in new[] { "## Summary", "## Plan and why", "## Decision", "## Evidence", "## Outcome", "## Timeline (UTC)", "**ApprovalGranted**", "local operator \\(unverified\\)", "- **Status:** Resolved" })
            {
                StringAssert.Contains(markdown, part);
            }
        }

        // The list, as on-call filters it: this app's resolved incidents, newest first, this one among them.
        var list = await s_http.GetFromJsonAsync<JsonObject>("/api/incidents?app=contoso-shop&status=Resolved&top=100");
        var listed = list!["items"]!.AsArray().Single(i => i!["incidentId"]!.GetValue<string>() == incidentId)!;
        Assert.AreEqual("Resolved", listed["status"]!.GetValue<string>());
        Assert.AreEqual("contoso-shop", listed["app"]!.GetValue<string>());
        using (var badList = await s_http.GetAsync("/api/incidents?top=1000&status=Fixed"))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, badList.StatusCode);
            Assert.AreEqual("application/problem+json", badList.Content.Headers.ContentType!.MediaType);
        }

        using (var unknownExport = await s_http.GetAsync("/api/incidents/inc-20250101-0000000000000000/export"))
        {
            Assert.AreEqual(HttpStatusCode.NotFound, unknownExport.StatusCode);
            Assert.AreEqual("application/problem+json", unknownExport.Content.Headers.ContentType!.MediaType);
        }

        // Once decided, the same decision again is refused: the incident no longer waits.
        using var again = await s_http.PostAsync(decisionUrl, Json($$"""{"approvalId":"{{approvalId}}","approve":true,"approver":"oncall@contoso.com"}"""));
        Assert.AreEqual(HttpStatusCode.Conflict, again.StatusCode);
        Assert.AreEqual(1, RestartRequests());
    }

    private static int RestartRequests() => s_host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot()
        .Count(r => r.Method == "POST" && r.Path.EndsWith("/sites/contoso-shop/restart", StringComparison.OrdinalIgnoreCase) && r.Status == 200);

    private static Task<JsonObject> WaitUntilAsync(string statusUrl, Func<JsonObject, bool> until) =>
        IncidentPolling.WaitUntilAsync(s_http, statusUrl, until, TimeSpan.FromSeconds(60));

    [TestMethod]
    [DataRow("", "application/json", 400, "empty")]
    [DataRow("{\"schemaId\":", "application/json", 400, "not valid JSON")]
    [DataRow("[1,2,3]", "application/json", 400, "JSON object")]
    [DataRow("{\"schemaId\":\"azureMonitorCommonAlertSchema\",\"data\":{\"essentials\":{}}}", "application/json", 400, "alertId")]
    [DataRow("{}", "text/plain", 415, "application/json")]
    [DataRow("{}", "application/x-www-form-urlencoded", 415, "application/json")]
    public async Task PostAlert_BadInput_ProblemJsonAndNothingStored(string body, string contentType, int status, string mentions)
    {
        var before = await IncidentRowsAsync();

        using var response = await s_http.PostAsync("/api/alerts", Json(body, contentType));

        Assert.AreEqual(status, (int)response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        StringAssert.Contains(problem.ToJsonString(), mentions);
        Assert.AreEqual(before, await IncidentRowsAsync());
    }

    [TestMethod]
    public async Task PostAlert_LegacySchema_400SaysEnableCommonSchema()
    {
        var legacy = Samples.Shared("alerts/noncommon.metric-static.AzureMonitorMetricAlert.json");

        using var response = await s_http.PostAsync("/api/alerts", Json(legacy.ToJsonString()));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        StringAssert.Contains(await response.Content.ReadAsStringAsync(), "common alert schema");
    }

    [TestMethod]
    public async Task PostAlert_OverOneMebibyte_413AndNothingStored()
    {
        var before = await IncidentRowsAsync();
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["description"] = new string('x', 1024 * 1024);

        using var response = await s_http.PostAsync("/api/alerts", Json(alert.ToJsonString()));

        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.AreEqual(before, await IncidentRowsAsync());
    }

    [TestMethod]
    public async Task PostAlert_NonAppServiceTarget_200IgnoredWithReason()
    {
        var alert = Samples.Shared("alerts/testaction.metric-static.json");
        alert["data"]!["essentials"]!["alertId"] = Guid.NewGuid().ToString();

        using var response = await s_http.PostAsync("/api/alerts", Json(alert.ToJsonString()));

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.AreEqual("ignored", body["status"]!.GetValue<string>());
        StringAssert.Contains(body["reason"]!.GetValue<string>(), "not an App Service app");
    }

    [TestMethod]
    public async Task GetIncident_Unknown_404Problem()
    {
        using var response = await s_http.GetAsync("/api/incidents/inc-20250101-0000000000000000");

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [TestMethod]
    public async Task GetIncident_Malformed_400Problem()
    {
        using var response = await s_http.GetAsync("/api/incidents/not-an-id");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [TestMethod]
    public async Task Start_PlainHttpResourceManager_RefusedNamingTheSetting()
    {
        var ex = await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["DevHost:StartSandbox"] = "false",
            ["Azure:ResourceManagerEndpoint"] = "http://management.example.invalid",
        }));

        StringAssert.Contains(ex.Message, "Azure:ResourceManagerEndpoint must be https");
    }

    [TestMethod]
    public async Task WrongMethod_405()
    {
        using var response = await s_http.GetAsync("/api/alerts");

        Assert.AreEqual(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [TestMethod]
    public void Registrations_SameOrchestrationsAndActivitiesAsTheFunctionApp()
    {
        var registry = s_host.Services.GetRequiredService<IOptionsMonitor<DurableTaskRegistry>>().Get(Options.DefaultName);
        var metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(AssemblySetup.OutputDirectory("FunctionsOutputDirectory"), "functions.metadata")))!.AsArray();
        string[] Functions(string trigger) => metadata
            .Where(f => f!["bindings"]!.AsArray().Any(b => b!["type"]!.GetValue<string>() == trigger))
            .Select(f => f!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();

        var orchestrations = registry.GetOrchestrators().Select(o => o.Key.Name).Order(StringComparer.Ordinal).ToArray();
        var activities = registry.GetActivities().Select(a => a.Key.Name).Order(StringComparer.Ordinal).ToArray();

        Assert.IsNotEmpty(activities);
        CollectionAssert.AreEqual(Functions("orchestrationTrigger"), orchestrations);
        CollectionAssert.AreEqual(Functions("activityTrigger"), activities);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Testing;

namespace AutoRemediate.DevHost.Tests;

/// <summary>The DevHost's front door under bad input, concurrency, Event Grid, function keys and a storage outage.</summary>
[TestClass]
public sealed class IngestHardeningTests
{
    private const string FunctionKey = "test-function-key-0123456789";
    private static DevHostRunner s_host = null!;
    private static HttpClient s_http = null!;
    private static string s_incidentsTable = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        s_incidentsTable = "Incidents" + Guid.NewGuid().ToString("N")[..10];
        s_host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["DevHost:FunctionKey"] = FunctionKey,
            ["Storage:IncidentsTable"] = s_incidentsTable,
            ["Storage:TimelineTable"] = "Timeline" + Guid.NewGuid().ToString("N")[..10],
        });
        s_http = new HttpClient { BaseAddress = s_host.BaseAddress };
        s_http.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        s_http.Dispose();
        await s_host.DisposeAsync();
    }

    private static ByteArrayContent Content(byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    [TestMethod]
    public async Task Alerts_ThousandMalformedVariants_4xxProblemNever5xxNothingStored()
    {
        var before = await TableRows.CountAsync(s_incidentsTable);
        var variants = MalformedPayloads.Generate(Samples.CommonAlerts().Select(a => a.Payload).ToList(), 1000);

        foreach (var variant in variants)
        {
            using var response = await s_http.PostAsync("/api/alerts", Content(variant.Body, variant.ContentType));

            Assert.AreEqual(variant.ExpectedStatus, (int)response.StatusCode, variant.Name);
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, variant.Name);
        }

        Assert.AreEqual(before, await TableRows.CountAsync(s_incidentsTable));
    }

    [TestMethod]
    public async Task Alerts_FiftyConcurrentDeliveriesForOneApp_OneIncidentCountingTheRest()
    {
        const string app = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-api";
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await s_http.PostAsync("/api/alerts", new StringContent(Samples.MetricAlertFor(app).ToJsonString(), Encoding.UTF8, "application/json"));
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonObject>());
        }));

        Assert.IsTrue(responses.All(r => r.StatusCode == HttpStatusCode.Accepted), string.Join(", ", responses.Select(r => r.StatusCode)));
        var incidentIds = responses.Select(r => r.Body!["incidentId"]!.GetValue<string>()).Distinct().ToArray();
        Assert.HasCount(1, incidentIds);
        Assert.AreEqual(1, responses.Count(r => r.Body!["targets"]![0]!["disposition"]!.GetValue<string>() == "Started"));
        var incident = await s_http.GetFromJsonAsync<JsonObject>($"/api/incidents/{incidentIds[0]}");
        Assert.AreEqual(49, incident!["repeatCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Events_SubscriptionValidation_200WithTheCode()
    {
        var validation = Samples.Shared("eventgrid/subscription-validation.event.array.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = new StringContent(validation.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("aeg-event-type", "SubscriptionValidation");

        using var response = await s_http.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual(
            Samples.Shared("eventgrid/subscription-validation.expected-response.json").ToJsonString(),
            (await response.Content.ReadFromJsonAsync<JsonObject>())!.ToJsonString());
    }

    [TestMethod]
    public async Task Events_CloudEventsAbuseProtection_OptionsAllowsTheOrigin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/events");
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        using var response = await s_http.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("eventgrid.azure.net", response.Headers.GetValues("WebHook-Allowed-Origin").Single());
    }

    [TestMethod]
    public async Task Events_CloudEventCarryingAnAlert_OpensAnIncident()
    {
        const string app = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-events";
        var cloudEvent = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = "/contoso/alert-forwarder",
            ["type"] = "Contoso.Monitoring.Alert",
            ["data"] = Samples.MetricAlertFor(app),
        };

        using var response = await s_http.PostAsync("/api/events", new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8, "application/cloudevents+json"));

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>())!["results"]![0]!;
        Assert.AreEqual("Alert", result["disposition"]!.GetValue<string>());
        using var incident = await s_http.GetAsync($"/api/incidents/{result["incidentId"]!.GetValue<string>()}");
        Assert.AreEqual(HttpStatusCode.OK, incident.StatusCode);
    }

    [TestMethod]
    [DataRow("[{\"id\":\"1\"}]")]
    [DataRow("{\"specversion\":\"1.0\"}")]
    [DataRow("not json")]
    public async Task Events_Malformed_400ProblemJson(string body)
    {
        using var response = await s_http.PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [TestMethod]
    [DataRow("POST", "/api/alerts", null)]
    [DataRow("POST", "/api/alerts", "wrong-key")]
    [DataRow("POST", "/api/events", null)]
    [DataRow("GET", "/api/incidents/inc-20250101-0000000000000000", "wrong-key")]
    public async Task FunctionLevelRoutes_WithoutTheRightKey_401(string method, string path, string? key)
    {
        using var anonymous = new HttpClient { BaseAddress = s_host.BaseAddress };
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("{}", Encoding.UTF8, "application/json") : null };
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        using var response = await anonymous.SendAsync(request);

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [TestMethod]
    public async Task FunctionLevelRoutes_KeyAsCodeQueryParameter_Accepted()
    {
        using var anonymous = new HttpClient { BaseAddress = s_host.BaseAddress };

        using var response = await anonymous.GetAsync($"/api/incidents/inc-20250101-0000000000000000?code={FunctionKey}");

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
    }
}

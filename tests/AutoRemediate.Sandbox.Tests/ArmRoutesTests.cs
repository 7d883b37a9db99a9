using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AutoRemediate.Sandbox.Tests;

[TestClass]
public sealed class ArmRoutesTests
{
    private const string SitePath = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
    private static SandboxHost s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxHost.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    private static HttpClient Client(bool withToken = true) => s_sandbox.Client(withToken ? "any-token" : null);

    [TestMethod]
    public async Task GetSite_WithoutBearerToken_401LikeArm()
    {
        var client = Client(withToken: false);

        using var response = await client.GetAsync(SitePath + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.AreEqual("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.AreEqual("AuthenticationFailed", error!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow("/instances")]
    [DataRow("/providers/Microsoft.Insights/metrics")]
    [DataRow("/providers/Microsoft.ResourceHealth/availabilityStatuses/current")]
    public async Task EveryArmRoute_WithoutBearerToken_401(string suffix)
    {
        using var response = await Client(withToken: false).GetAsync(SitePath + suffix + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [TestMethod]
    public async Task GetSite_WithoutApiVersion_400MissingApiVersion()
    {
        var client = Client();

        using var response = await client.GetAsync(SitePath);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.AreEqual("MissingApiVersionParameter", error!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task GetSite_Unknown_404ResourceNotFound()
    {
        var client = Client();

        using var response = await client.GetAsync(SitePath.Replace("contoso-shop", "nope", StringComparison.Ordinal) + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.AreEqual("ResourceNotFound", error!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/nope")]
    [DataRow(SitePath + "/instances/0000/processes")]
    [DataRow(SitePath + "/slots/nope")]
    [DataRow(SitePath + "/detectors/nope")]
    public async Task UnknownResources_404ResourceNotFound(string path)
    {
        using var response = await Client().GetAsync(path + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.AreEqual("ResourceNotFound", error!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task GetSite_AnyCasing_SameSiteAsArm()
    {
        var client = Client();

        using var response = await client.GetAsync(SitePath.ToLowerInvariant() + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    // Contract: every field the Sandbox returns exists in the REST spec's GetWebApp example with the
    // same JSON kind, so clients written against the Sandbox read real ARM the same way.
    [TestMethod]
    public async Task GetSite_Body_HasTheShapeOfTheRestSpecExample()
    {
        var client = Client();
        var example = Spec.Body("GetWebApp.2026-09-01.json");

        var body = (await client.GetFromJsonAsync<JsonNode>(SitePath + "?api-version=2025-05-01"))!;

        Spec.AssertSameShape(example, body);
        Assert.AreEqual("Microsoft.Web/sites", body["type"]!.GetValue<string>());
        Assert.AreEqual("Running", body["properties"]!["state"]!.GetValue<string>());
        StringAssert.EndsWith(body["properties"]!["serverFarmId"]!.GetValue<string>(), "/serverfarms/plan-shop-prod");
    }

    [TestMethod]
    public async Task SandboxApps_ListsSimulatedAppsWithResourceIds()
    {
        var client = Client(withToken: false);

        var apps = (await client.GetFromJsonAsync<JsonArray>("/sandbox/apps"))!;

        Assert.IsTrue(apps.Any(a => a!["resourceId"]!.GetValue<string>() == SitePath));
        var names = apps.Select(a => a!["name"]!.GetValue<string>()).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "contoso-shop", "contoso-api", "contoso-cpu", "contoso-crash", "contoso-onebad", "contoso-outage" }, names);
        var onebad = apps.Single(a => a!["name"]!.GetValue<string>() == "contoso-onebad")!;
        Assert.AreEqual(3, onebad["instanceIds"]!.AsArray().Count);
        Assert.IsTrue(onebad["instanceIds"]!.AsArray().All(i => System.Text.RegularExpressions.Regex.IsMatch(i!.GetValue<string>(), "^[0-9a-f]{64}$")));
    }

    [TestMethod]
    public async Task SandboxRequests_RecordsEachArmCallWithStatusAndToken()
    {
        var client = Client();
        var marker = "rg-" + Guid.NewGuid().ToString("N")[..8];
        await client.GetAsync($"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/{marker}/providers/Microsoft.Web/sites/x?api-version=2025-05-01");

        var log = (await client.GetFromJsonAsync<JsonArray>("/sandbox/requests"))!;

        var entry = log.Single(e => e!["path"]!.GetValue<string>().Contains(marker, StringComparison.Ordinal))!;
        Assert.AreEqual("GET", entry["method"]!.GetValue<string>());
        Assert.AreEqual(404, entry["status"]!.GetValue<int>());
        Assert.IsTrue(entry["hadBearerToken"]!.GetValue<bool>());
        Assert.IsFalse(log.Any(e => e!["path"]!.GetValue<string>().StartsWith("/sandbox/", StringComparison.Ordinal)), "the control routes are not logged");
    }

    [TestMethod]
    public async Task ListPlanSites_SharedPlan_EveryAppOnThePlanLikeListWebApps()
    {
        using var response = await Client().GetAsync("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-api-prod/sites?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        var sites = body!["value"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "contoso-api", "contoso-api-admin" }, sites);
        Assert.IsTrue(body["value"]!.AsArray().All(s => s!["type"]!.GetValue<string>() == "Microsoft.Web/sites"));
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoRemediate.Testing;

namespace AutoRemediate.Sandbox.Tests;

[TestClass]
public sealed class ArmRoutesTests
{
    private const string SitePath = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    private static HttpClient Client(bool withToken = true)
    {
        var client = s_sandbox.CreateClient();
        if (withToken)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "any-token");
        }

        return client;
    }

    [TestMethod]
    public async Task GetSite_WithoutBearerToken_401LikeArm()
    {
        using var client = Client(withToken: false);

        using var response = await client.GetAsync(SitePath + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.AreEqual("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.AreEqual("AuthenticationFailed", error!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task GetSite_WithoutApiVersion_400MissingApiVersion()
    {
        using var client = Client();

        using var response = await client.GetAsync(SitePath);

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.AreEqual("MissingApiVersionParameter", error!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task GetSite_Unknown_404ResourceNotFound()
    {
        using var client = Client();

        using var response = await client.GetAsync(SitePath.Replace("contoso-shop", "nope", StringComparison.Ordinal) + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.AreEqual("ResourceNotFound", error!["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task GetSite_AnyCasing_SameSiteAsArm()
    {
        using var client = Client();

        using var response = await client.GetAsync(SitePath.ToLowerInvariant() + "?api-version=2025-05-01");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    // Contract: every field the Sandbox returns exists in the REST spec's GetWebApp example with the
    // same JSON kind, so clients written against the Sandbox read real ARM the same way.
    [TestMethod]
    public async Task GetSite_Body_HasTheShapeOfTheRestSpecExample()
    {
        using var client = Client();
        var example = Samples.Shared("arm/GetWebApp.2026-09-01.json")["responses"]!["200"]!["body"]!;

        var body = (await client.GetFromJsonAsync<JsonNode>(SitePath + "?api-version=2025-05-01"))!;

        AssertSameShape(example, body, "$");
        Assert.AreEqual("Microsoft.Web/sites", body["type"]!.GetValue<string>());
        Assert.AreEqual("Running", body["properties"]!["state"]!.GetValue<string>());
        StringAssert.EndsWith(body["properties"]!["serverFarmId"]!.GetValue<string>(), "/serverfarms/plan-shop-prod");
    }

    private static void AssertSameShape(JsonNode expected, JsonNode actual, string path)
    {
        if (actual is JsonObject actualObject)
        {
            Assert.IsInstanceOfType<JsonObject>(expected, $"{path} is an object in the Sandbox but not in the spec example");
            foreach (var (name, value) in actualObject)
            {
                Assert.IsTrue(expected.AsObject().TryGetPropertyValue(name, out var expectedValue), $"{path}.{name} is not in the spec example");
                if (value is not null && expectedValue is not null)
                {
                    AssertSameShape(expectedValue, value, $"{path}.{name}");
                }
            }
        }
        else if (actual is JsonArray actualArray)
        {
            Assert.IsInstanceOfType<JsonArray>(expected, $"{path} is an array in the Sandbox but not in the spec example");
            if (actualArray.Count > 0 && expected.AsArray().Count > 0)
            {
                AssertSameShape(expected.AsArray()[0]!, actualArray[0]!, path + "[0]");
            }
        }
        else
        {
            var kind = actual.GetValueKind();
            var expectedKind = expected.GetValueKind();
            var bothBoolean = kind is JsonValueKind.True or JsonValueKind.False && expectedKind is JsonValueKind.True or JsonValueKind.False;
            Assert.IsTrue(bothBoolean || kind == expectedKind, $"{path}: Sandbox sends {kind}, the spec example has {expectedKind}");
        }
    }

    [TestMethod]
    public async Task SandboxApps_ListsSimulatedAppsWithResourceIds()
    {
        using var client = Client(withToken: false);

        var apps = (await client.GetFromJsonAsync<JsonArray>("/sandbox/apps"))!;

        Assert.IsTrue(apps.Any(a => a!["resourceId"]!.GetValue<string>() == SitePath));
    }

    [TestMethod]
    public async Task SandboxRequests_RecordsEachArmCallWithStatusAndToken()
    {
        using var client = Client();
        var marker = "rg-" + Guid.NewGuid().ToString("N")[..8];
        await client.GetAsync($"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/{marker}/providers/Microsoft.Web/sites/x?api-version=2025-05-01");

        var log = (await client.GetFromJsonAsync<JsonArray>("/sandbox/requests"))!;

        var entry = log.Single(e => e!["path"]!.GetValue<string>().Contains(marker, StringComparison.Ordinal))!;
        Assert.AreEqual("GET", entry["method"]!.GetValue<string>());
        Assert.AreEqual(404, entry["status"]!.GetValue<int>());
        Assert.IsTrue(entry["hadBearerToken"]!.GetValue<bool>());
        Assert.IsFalse(log.Any(e => e!["path"]!.GetValue<string>().StartsWith("/sandbox/", StringComparison.Ordinal)), "the control routes are not logged");
    }
}

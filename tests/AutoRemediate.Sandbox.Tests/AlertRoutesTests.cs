using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static AutoRemediate.Sandbox.Tests.SandboxHost;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>
/// Azure Monitor's Alerts_GetById (stable 2019-03-01) as the Sandbox serves it: alerts a test registers
/// under /sandbox/alerts, their monitorCondition as set, unknown alerts 404, and ARM's bearer and api-version rules.
/// </summary>
[TestClass]
public sealed class AlertRoutesTests
{
    private const string AlertsApi = "api-version=2019-03-01";
    private static SandboxHost s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxHost.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    private static string AlertPath(string guid) => $"/subscriptions/{Subscription}/providers/Microsoft.AlertsManagement/alerts/{guid}";

    private static async Task<HttpStatusCode> SetAsync(string guid, string? condition, string? subscription = Subscription)
    {
        using var response = await s_sandbox.Client(null).PutAsJsonAsync($"/sandbox/alerts/{guid}", new { subscriptionId = subscription, monitorCondition = condition, targetResourceId = Site("contoso-shop"), alertRule = "contoso-shop-5xx" });
        return response.StatusCode;
    }

    [TestMethod]
    public async Task GetAlert_Registered_MonitorConditionAsSetInTheShapeOfTheSpecExample()
    {
        var guid = Guid.NewGuid().ToString();
        Assert.AreEqual(HttpStatusCode.OK, await SetAsync(guid, "Fired"));

        var fired = await s_sandbox.GetJsonAsync($"{AlertPath(guid)}?{AlertsApi}");
        Assert.AreEqual(HttpStatusCode.OK, await SetAsync(guid, "resolved"));
        var resolved = await s_sandbox.GetJsonAsync($"{AlertPath(guid)}?{AlertsApi}");

        Assert.AreEqual("Fired", fired["properties"]!["essentials"]!["monitorCondition"]!.GetValue<string>());
        Assert.IsNull(fired["properties"]!["essentials"]!["monitorConditionResolvedDateTime"]);
        Assert.AreEqual("Resolved", resolved["properties"]!["essentials"]!["monitorCondition"]!.GetValue<string>());
        Assert.AreEqual(AlertPath(guid), resolved["id"]!.GetValue<string>());
        Assert.AreEqual("Microsoft.AlertsManagement/alerts", resolved["type"]!.GetValue<string>());
        Assert.AreEqual(Site("contoso-shop"), resolved["properties"]!["essentials"]!["targetResource"]!.GetValue<string>());
        // The property set of the spec example Alerts_GetById (stable 2019-03-01), values of the same JSON kinds;
        // smartGroupId and smartGroupingReason (smart groups) are not modelled.
        var example = JsonNode.Parse("""
            {"properties":{"essentials":{"severity":"Sev3","signalType":"Log","alertState":"Acknowledged","monitorCondition":"Fired","monitorService":"s",
              "targetResource":"s","targetResourceName":"s","targetResourceGroup":"s","targetResourceType":"s","sourceCreatedId":"s","alertRule":"s",
              "startDateTime":"s","lastModifiedDateTime":"s","lastModifiedUserName":"System","monitorConditionResolvedDateTime":"s",
              "actionStatus":{"isSuppressed":false},"description":"s"},"egressConfig":{},"context":{}},
             "id":"s","type":"Microsoft.AlertsManagement/alerts","name":"s"}
            """)!;
        Spec.AssertSameShape(example, resolved);
    }

    [TestMethod]
    public async Task GetAlert_NeverRegisteredOrOtherSubscription_404ResourceNotFound()
    {
        var guid = Guid.NewGuid().ToString();
        var unknown = await s_sandbox.GetJsonAsync($"{AlertPath(Guid.NewGuid().ToString())}?{AlertsApi}", HttpStatusCode.NotFound);
        Assert.AreEqual(HttpStatusCode.OK, await SetAsync(guid, "Fired"));
        var elsewhere = await s_sandbox.GetJsonAsync($"/subscriptions/99999999-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/{guid}?{AlertsApi}", HttpStatusCode.NotFound);

        Assert.AreEqual("ResourceNotFound", unknown["error"]!["code"]!.GetValue<string>());
        Assert.AreEqual("ResourceNotFound", elsewhere["error"]!["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task GetAlert_WithoutBearerOrApiVersion_RefusedAsArmDoes()
    {
        var guid = Guid.NewGuid().ToString();
        Assert.AreEqual(HttpStatusCode.OK, await SetAsync(guid, "Fired"));

        using var noBearer = await s_sandbox.Client(null).GetAsync($"{AlertPath(guid)}?{AlertsApi}");
        using var noVersion = await s_sandbox.Client().GetAsync(AlertPath(guid));

        Assert.AreEqual(HttpStatusCode.Unauthorized, noBearer.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, noVersion.StatusCode);
    }

    [TestMethod]
    [DataRow("Active", DisplayName = "not a monitorCondition")]
    [DataRow(null, DisplayName = "no monitorCondition")]
    public async Task SetAlert_BadCondition_400AndNothingRegistered(string? condition)
    {
        var guid = Guid.NewGuid().ToString();

        Assert.AreEqual(HttpStatusCode.BadRequest, await SetAsync(guid, condition));
        await s_sandbox.GetJsonAsync($"{AlertPath(guid)}?{AlertsApi}", HttpStatusCode.NotFound);
    }

    [TestMethod]
    public async Task Reset_RegisteredAlert_Forgotten()
    {
        var guid = Guid.NewGuid().ToString();
        Assert.AreEqual(HttpStatusCode.OK, await SetAsync(guid, "Fired"));

        using var reset = await s_sandbox.Client(null).PostAsync("/sandbox/reset", content: null);
        reset.EnsureSuccessStatusCode();

        await s_sandbox.GetJsonAsync($"{AlertPath(guid)}?{AlertsApi}", HttpStatusCode.NotFound);
    }
}

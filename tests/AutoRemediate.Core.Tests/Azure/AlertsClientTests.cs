using System.Net.Http.Json;
using AutoRemediate.Azure;
using AutoRemediate.Testing;
using Azure;

namespace AutoRemediate.Core.Tests.Azure;

/// <summary>The alerts client (Azure Monitor's Alerts_GetById), wired by AddAutoRemediate, against the Sandbox over HTTPS.</summary>
[TestClass]
public sealed class AlertsClientTests
{
    internal const string Subscription = "11111111-2222-3333-4444-555555555555";
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetAsync() => s_sandbox.ResetAsync();

    internal static string NewAlertId() => $"/subscriptions/{Subscription}/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}";

    /// <summary>Registers the alert in the Sandbox (or changes its condition), as the alert rule would.</summary>
    internal static async Task SetAlertAsync(SandboxFixture sandbox, string alertId, string monitorCondition)
    {
        using var client = sandbox.CreateClient();
        using var response = await client.PutAsJsonAsync($"/sandbox/alerts/{alertId[(alertId.LastIndexOf('/') + 1)..]}", new { subscriptionId = Subscription, monitorCondition });
        response.EnsureSuccessStatusCode();
    }

    [TestMethod]
    public async Task GetAlert_FiredThenResolved_ReadsMonitorCondition()
    {
        var alertId = NewAlertId();
        var client = AppServiceClientTests.Client<IAlertsClient>(s_sandbox);
        await SetAlertAsync(s_sandbox, alertId, "Fired");

        var fired = await client.GetAlertAsync(alertId);
        await SetAlertAsync(s_sandbox, alertId, "Resolved");
        var resolved = await client.GetAlertAsync(alertId);

        Assert.IsTrue(fired.IsFired);
        Assert.IsNull(fired.ResolvedAt);
        Assert.IsTrue(resolved.IsResolved);
        Assert.IsFalse(resolved.IsFired);
        Assert.IsNotNull(resolved.ResolvedAt);
        var request = s_sandbox.Requests.Snapshot().Last(r => r.Path.Contains("/providers/Microsoft.AlertsManagement/alerts/", StringComparison.OrdinalIgnoreCase));
        Assert.IsTrue(request.HadBearerToken);
        StringAssert.Contains(request.Query, "api-version=2019-03-01");
    }

    [TestMethod]
    public async Task GetAlert_Unknown_RequestFailed404()
    {
        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => AppServiceClientTests.Client<IAlertsClient>(s_sandbox).GetAlertAsync(NewAlertId()));

        Assert.AreEqual(404, ex.Status);
    }

    [TestMethod]
    [DataRow("", DisplayName = "empty")]
    [DataRow("00000000-0000-0000-0000-000000000000", DisplayName = "a bare GUID")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/../../resourceGroups/rg-shop-prod", DisplayName = "path traversal")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/changestate", DisplayName = "an action under the alert")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee?api-version=1", DisplayName = "a query string")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n", DisplayName = "a trailing newline")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Web/sites/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", DisplayName = "another resource type")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/microsoft.insights/activityLogAlerts/Test_Alert", DisplayName = "an activity log alert rule id")]
    [DataRow("https://evil.example/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", DisplayName = "an absolute URL")]
    public async Task GetAlert_MalformedId_RefusedBeforeAnyRequest(string alertId)
    {
        await Assert.ThrowsExactlyAsync<ArgumentException>(() => AppServiceClientTests.Client<IAlertsClient>(s_sandbox).GetAlertAsync(alertId));

        Assert.IsFalse(s_sandbox.Requests.Snapshot().Any(), "nothing was sent");
    }

    [TestMethod]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee")]
    [DataRow("/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/providers/microsoft.alertsmanagement/ALERTS/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")]
    public void Canonical_AlertIdInAnyCase_TheSamePath(string alertId) =>
        Assert.AreEqual("/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", AlertIds.Canonical(alertId));
}

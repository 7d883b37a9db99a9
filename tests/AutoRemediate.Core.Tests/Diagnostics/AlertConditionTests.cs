using AutoRemediate.Azure;
using AutoRemediate.Core.Tests.Azure;
using AutoRemediate.Diagnostics;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AutoRemediate.Core.Tests.Diagnostics;

/// <summary>
/// "Still breaching" and "healthy again" as Azure Monitor judges the alert: the rule's window with its
/// aggregation, and the alert's own state (monitorCondition) read from the Sandbox's alerts API over HTTPS.
/// </summary>
[TestClass]
public sealed class AlertConditionTests
{
    private static readonly string s_api = SandboxFixture.SiteId("contoso-api"); // a healthy app
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetAsync() => s_sandbox.ResetAsync();

    private static MetricsActivities Activities(IMetricsClient? metrics = null) =>
        AppServiceClientTests.Services(s_sandbox, metrics is null ? null : s => s.AddSingleton(metrics)).GetRequiredService<MetricsActivities>();

    private static MetricsRequest Poll(params AlertCriterion[] criteria)
    {
        var now = DateTimeOffset.UtcNow;
        return new MetricsRequest("inc-20261130-0000000000000000", s_api, null, now.AddMinutes(-5), now, criteria, KeepEvidence: false);
    }

    private static AlertCriterion Dynamic(string alertId) => new("Http5xx", "GreaterThan", "12.5", "Total", TimeSpan.FromMinutes(5), Dynamic: true, AlertId: alertId);

    private static bool AlertsApiCalled() =>
        s_sandbox.Requests.Snapshot().Any(r => r.Path.Contains("/providers/Microsoft.AlertsManagement/alerts", StringComparison.OrdinalIgnoreCase));

    [TestMethod]
    public async Task CheckHealth_DynamicThresholdAlertFired_NotHealthy()
    {
        var alertId = AlertsClientTests.NewAlertId();
        await AlertsClientTests.SetAlertAsync(s_sandbox, alertId, "Fired");

        var reading = await Activities().CheckHealthAsync(Poll(Dynamic(alertId)));

        Assert.IsFalse(reading.Healthy, reading.Summary);
        StringAssert.Contains(reading.Summary, "the alert's condition still holds (Http5xx)");
    }

    [TestMethod]
    public async Task CheckHealth_DynamicThresholdAlertResolved_Healthy()
    {
        var alertId = AlertsClientTests.NewAlertId();
        await AlertsClientTests.SetAlertAsync(s_sandbox, alertId, "Fired");
        await AlertsClientTests.SetAlertAsync(s_sandbox, alertId, "Resolved");

        var reading = await Activities().CheckHealthAsync(Poll(Dynamic(alertId)));

        Assert.IsTrue(reading.Healthy, reading.Summary);
    }

    [TestMethod]
    public async Task CollectMetrics_DynamicThresholdAlertFired_StillBreaching()
    {
        var alertId = AlertsClientTests.NewAlertId();
        await AlertsClientTests.SetAlertAsync(s_sandbox, alertId, "Fired");

        var summary = await Activities().CollectMetricsAsync(Poll(Dynamic(alertId)) with { KeepEvidence = false });

        CollectionAssert.AreEqual(new[] { "Http5xx" }, summary.Breaching.ToArray());
    }

    [TestMethod]
    public async Task CheckHealth_DynamicThresholdAlertUnknownToAzureMonitor_NotHealthyAndNoted()
    {
        var reading = await Activities().CheckHealthAsync(Poll(Dynamic(AlertsClientTests.NewAlertId())));

        Assert.IsFalse(reading.Healthy, reading.Summary);
        StringAssert.Contains(reading.Summary, "cannot be judged (Http5xx");
        Assert.IsTrue(AlertsApiCalled());
    }

    [TestMethod]
    public async Task CheckHealth_DynamicThresholdAlertStateForbidden_NotHealthy()
    {
        var alertId = AlertsClientTests.NewAlertId();
        await AlertsClientTests.SetAlertAsync(s_sandbox, alertId, "Resolved");
        await s_sandbox.AddFaultAsync(new { method = "GET", pathContains = "/Microsoft.AlertsManagement/alerts", status = 403, errorCode = "AuthorizationFailed", times = 100 });

        var summary = await Activities().CollectMetricsAsync(Poll(Dynamic(alertId)));
        var reading = await Activities().CheckHealthAsync(Poll(Dynamic(alertId)));

        Assert.IsFalse(reading.Healthy, reading.Summary);
        Assert.IsTrue(summary.Notes.Any(n => n.StartsWith("The alert's state in Azure Monitor could not be read: 403", StringComparison.Ordinal)), string.Join(" | ", summary.Notes));
    }

    [TestMethod]
    public async Task CheckHealth_StaticRuleAlertUnknownToAzureMonitor_JudgedOnItsMetricsWithoutANote()
    {
        var criterion = new AlertCriterion("Http5xx", "GreaterThan", "10", "Total", TimeSpan.FromMinutes(5), AlertId: AlertsClientTests.NewAlertId());

        var summary = await Activities().CollectMetricsAsync(Poll(criterion));
        var reading = await Activities().CheckHealthAsync(Poll(criterion));

        Assert.IsTrue(reading.Healthy, reading.Summary);
        Assert.IsFalse(summary.Notes.Any(n => n.Contains("alert's state", StringComparison.Ordinal)), string.Join(" | ", summary.Notes));
        Assert.IsTrue(AlertsApiCalled());
    }

    [TestMethod]
    public async Task CheckHealth_MalformedAlertId_NotFetchedAndNotHealthy()
    {
        var reading = await Activities().CheckHealthAsync(Poll(Dynamic($"/subscriptions/{AlertsClientTests.Subscription}/providers/Microsoft.AlertsManagement/alerts/../../resourceGroups/rg-shop-prod")));

        Assert.IsFalse(reading.Healthy, reading.Summary);
        Assert.IsFalse(AlertsApiCalled(), "an id outside the grammar is never fetched");
    }

    [TestMethod]
    public async Task CheckHealth_StaticRuleClearButAlertStillFired_NotHealthy()
    {
        // The healthy app has no 5xx at all: the window is clear, but Azure Monitor has not resolved the alert yet.
        var alertId = AlertsClientTests.NewAlertId();
        await AlertsClientTests.SetAlertAsync(s_sandbox, alertId, "Fired");
        var criterion = new AlertCriterion("Http5xx", "GreaterThan", "10", "Total", TimeSpan.FromMinutes(5), AlertId: alertId);

        var fired = await Activities().CheckHealthAsync(Poll(criterion));
        await AlertsClientTests.SetAlertAsync(s_sandbox, alertId, "Resolved");
        var resolved = await Activities().CheckHealthAsync(Poll(criterion));

        Assert.IsFalse(fired.Healthy, fired.Summary);
        Assert.IsTrue(resolved.Healthy, resolved.Summary);
    }

    // Azure Monitor's own numbers (a spike then quiet minutes) cannot be produced by the Sandbox's
    // scenarios on demand, so the metrics client stands in for Azure Monitor here.
    private static IMetricsClient SpikeThenQuiet(double spike)
    {
        var metrics = new Mock<IMetricsClient>();
        metrics.Setup(m => m.GetMetricsAsync(It.IsAny<string>(), It.IsAny<MetricsQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string _, MetricsQuery q, CancellationToken _) =>
            {
                // The five minutes a 5-minute window holds at q.End: the minute in progress and the four before it.
                var first = new DateTimeOffset(q.End.Year, q.End.Month, q.End.Day, q.End.Hour, q.End.Minute, 0, TimeSpan.Zero).AddMinutes(-4);
                if (q.SplitByInstance)
                {
                    // One healthy instance, so only the alert's condition can make the poll unhealthy.
                    return q.MetricNames.Contains(MetricNames.Http5xx)
                        ? [new MetricSeries(MetricNames.Http5xx, "Count", "RD0003FF0032D8", [new MetricPoint(first.AddMinutes(4), 0, 0, null, null, null)])]
                        : [];
                }

                return [new MetricSeries(MetricNames.Http5xx, "Count", null, [.. Enumerable.Range(0, 5).Select(m => new MetricPoint(first.AddMinutes(m), null, m == 0 ? spike : 0, null, null, null))])];
            });
        return metrics.Object;
    }

    [TestMethod]
    public async Task CheckHealth_FiveMinuteTotalSpikeThenQuietMinutes_NotHealthy()
    {
        var criterion = new AlertCriterion(MetricNames.Http5xx, "GreaterThan", "50", "Total", TimeSpan.FromMinutes(5));

        var reading = await Activities(SpikeThenQuiet(60)).CheckHealthAsync(Poll(criterion));

        Assert.IsFalse(reading.Healthy, reading.Summary);
        StringAssert.Contains(reading.Summary, "the alert's condition still holds (Http5xx)");
    }

    [TestMethod]
    public async Task CheckHealth_FiveMinuteTotalUnderThreshold_Healthy()
    {
        var criterion = new AlertCriterion(MetricNames.Http5xx, "GreaterThan", "50", "Total", TimeSpan.FromMinutes(5));

        var reading = await Activities(SpikeThenQuiet(40)).CheckHealthAsync(Poll(criterion));

        Assert.IsTrue(reading.Healthy, reading.Summary);
    }
}

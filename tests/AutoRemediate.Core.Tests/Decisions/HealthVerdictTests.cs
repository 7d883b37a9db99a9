using AutoRemediate.Decisions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Core.Tests.Decisions;

/// <summary>The verdict of a verification poll: healthy only when the alert's condition is gone and every figure is within the policy.</summary>
[TestClass]
public sealed class HealthVerdictTests
{
    private static readonly PolicyOptions s_policy = new(); // memory 85%, CPU 85%, queue 100 by default

    private static MetricsSummary Metrics(InstanceMetrics[] instances, double? queue = null, string[]? breaching = null, string[]? notes = null) =>
        new(instances, queue, breaching ?? [], null, notes ?? []);

    [TestMethod]
    [DataRow(100.0, 40.0, 20.0, null, null, true, null, DisplayName = "all within thresholds")]
    [DataRow(null, 40.0, 20.0, null, null, true, null, DisplayName = "health check off counts as passing")]
    [DataRow(49.0, 40.0, 20.0, null, null, false, "instance i-aaaaaa fails its health check", DisplayName = "health check failing")]
    [DataRow(50.0, 40.0, 20.0, null, null, true, null, DisplayName = "health check at the cutoff passes")]
    [DataRow(100.0, 85.0, 20.0, null, null, false, "instance i-aaaaaa memory at 85%", DisplayName = "memory at the threshold")]
    [DataRow(100.0, 40.0, 90.0, null, null, false, "CPU at least 90% on every instance", DisplayName = "CPU high everywhere")]
    [DataRow(100.0, 40.0, 20.0, 100.0, null, false, "HTTP queue at 100", DisplayName = "queue at the threshold")]
    [DataRow(100.0, 40.0, 20.0, null, "Http5xx", false, "the alert's condition still holds (Http5xx)", DisplayName = "alert condition still holds")]
    public void Judge_OneInstance_Verdict(double? health, double memory, double cpu, double? queue, string? breaching, bool healthy, string? problem)
    {
        var reading = HealthVerdict.Judge(Metrics([new("i-aaaaaaaaaaaa", memory, cpu, 0, health, null)], queue, breaching is null ? null : [breaching]), s_policy);

        Assert.AreEqual(healthy, reading.Healthy, reading.Summary);
        if (problem is null)
        {
            Assert.AreEqual("Healthy: the alert's condition no longer holds and all 1 instance(s) are within thresholds.", reading.Summary);
        }
        else
        {
            StringAssert.StartsWith(reading.Summary, "Not healthy yet: ");
            StringAssert.Contains(reading.Summary, problem);
        }
    }

    [TestMethod]
    public void Judge_CpuHighOnOneOfTwo_Healthy() =>
        Assert.IsTrue(HealthVerdict.Judge(Metrics([new("i-a", 40, 95, 0, 100, null), new("i-b", 40, 20, 0, 100, null)]), s_policy).Healthy);

    [TestMethod]
    public void Judge_NoMetricsReadable_NotHealthy()
    {
        var reading = HealthVerdict.Judge(Metrics([], notes: ["Metrics Http5xx could not be read (503): down"]), s_policy);
        Assert.IsFalse(reading.Healthy);
        StringAssert.Contains(reading.Summary, "no metrics could be read: Metrics Http5xx could not be read (503): down");
    }

    [TestMethod]
    [DataRow(null, false)]
    [DataRow(0.0, true)]
    [DataRow(49.99, true)]
    [DataRow(50.0, false)]
    public void FailsHealthCheck_Figure_BelowCutoffFails(double? health, bool fails) =>
        Assert.AreEqual(fails, HealthVerdict.FailsHealthCheck(health));

    [TestMethod]
    public void Judge_DynamicThresholdUndetermined_NotHealthy()
    {
        var metrics = new MetricsSummary([new("i-aaaaaaaaaaaa", 40, 20, 0, 100, null)], null, [], null, ["The alert's state in Azure Monitor could not be read: 403 AuthorizationFailed"], ["Http5xx"]);

        var reading = HealthVerdict.Judge(metrics, s_policy);

        Assert.IsFalse(reading.Healthy, reading.Summary);
        StringAssert.Contains(reading.Summary, "the alert's condition cannot be judged (Http5xx");
    }
}

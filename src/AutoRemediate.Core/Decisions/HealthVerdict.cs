using System.Globalization;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;

namespace AutoRemediate.Decisions;

/// <summary>
/// Whether an app looks healthy on its latest metrics: the verdict of every verification poll, and the
/// per-instance health the policy sees. A pure function of the figures and the policy's thresholds.
/// </summary>
public static class HealthVerdict
{
    /// <summary>
    /// Below this HealthCheckStatus (the share of health probes an instance passes, 0 to 100) an
    /// instance counts as failing its health check.
    /// </summary>
    public const double HealthCheckPassPercent = 50;

    /// <summary>True when the instance's health check figure says it fails (no figure: health check off, not failing).</summary>
    public static bool FailsHealthCheck(double? healthPercent) => healthPercent is < HealthCheckPassPercent;

    /// <summary>
    /// Healthy when the alert's own condition no longer holds (over the rule's window, and not Fired in
    /// Azure Monitor; a dynamic threshold whose state could not be read is never healthy) and no instance is over the policy's
    /// thresholds (health check, memory, CPU everywhere, HTTP queue); metrics that could not be read at
    /// all never count as healthy.
    /// </summary>
    public static HealthReading Judge(MetricsSummary metrics, PolicyOptions policy)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(policy);
        var problems = new List<string>();
        if (metrics.Breaching.Count > 0)
        {
            problems.Add($"the alert's condition still holds ({string.Join(", ", metrics.Breaching)})");
        }

        if (metrics.Undetermined is { Count: > 0 } undetermined)
        {
            problems.Add($"the alert's condition cannot be judged ({string.Join(", ", undetermined)}: a dynamic threshold, and the alert's state in Azure Monitor could not be read)");
        }

        foreach (var i in metrics.Instances)
        {
            var id = Display.ShortId(i.InstanceId);
            if (FailsHealthCheck(i.HealthPercent))
            {
                problems.Add($"instance {id} fails its health check");
            }

            if (i.MemoryPercent >= policy.MemoryHighPercent)
            {
                problems.Add($"instance {id} memory at {i.MemoryPercent.Value.ToString("0", CultureInfo.InvariantCulture)}%");
            }
        }

        if (metrics.Instances.Count > 0 && metrics.Instances.All(i => i.CpuPercent >= policy.CpuHighPercent))
        {
            problems.Add($"CPU at least {metrics.Instances.Min(i => i.CpuPercent)!.Value.ToString("0", CultureInfo.InvariantCulture)}% on every instance");
        }

        if (metrics.HttpQueueLength >= policy.HttpQueueHigh)
        {
            problems.Add($"HTTP queue at {metrics.HttpQueueLength.Value.ToString("0", CultureInfo.InvariantCulture)}");
        }

        if (metrics.Instances.Count == 0 && metrics.Notes.Count > 0)
        {
            problems.Add("no metrics could be read: " + metrics.Notes[0]);
        }

        return problems.Count == 0
            ? new HealthReading(true, $"Healthy: the alert's condition no longer holds and all {metrics.Instances.Count} instance(s) are within thresholds.")
            : new HealthReading(false, "Not healthy yet: " + string.Join("; ", problems) + ".");
    }
}

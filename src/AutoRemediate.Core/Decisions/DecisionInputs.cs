using AutoRemediate.Actions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Decisions;

/// <summary>
/// Builds what the policy looks at (<see cref="DecisionInput"/>) in two pure steps: the workflow
/// supplies what the diagnostics found (<see cref="FromFindings"/>), and the DecidePlan activity adds
/// what only the action journal knows (<see cref="WithActions"/>) just before the policy runs.
/// </summary>
public static class DecisionInputs
{
    /// <summary>The SKU recorded when the plan could not be read.</summary>
    public const string UnknownSku = "unknown";

    /// <summary>
    /// The decision input from the diagnostics: one <see cref="InstanceEvidence"/> per instance seen in the
    /// instance list or the metrics, with its figures, health check verdict and crash count. The journal's
    /// part is left empty for <see cref="WithActions"/>. A plan that could not be read counts as an
    /// <see cref="UnknownSku"/> plan at its current instance count and no room to grow.
    /// </summary>
    public static DecisionInput FromFindings(
        string incidentId, string targetResourceId, DateTimeOffset now, IReadOnlyList<string> alertMetrics, PlatformEvidence platform, IncidentFindings findings, IReadOnlyList<PlanKind> alreadyTried)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(alreadyTried);
        var metrics = findings.Metrics;
        var crashes = findings.Detectors?.CrashesByInstance ?? new Dictionary<string, int>();
        var ids = findings.Instances.Concat(metrics?.Instances.Select(i => i.InstanceId) ?? []).Distinct(StringComparer.OrdinalIgnoreCase);
        var instances = ids.Select(id =>
        {
            var m = metrics?.Instances.FirstOrDefault(i => string.Equals(i.InstanceId, id, StringComparison.OrdinalIgnoreCase));
            return new InstanceEvidence(id, m?.MemoryPercent, m?.CpuPercent, m?.Http5xx, !HealthVerdict.FailsHealthCheck(m?.HealthPercent), crashes.GetValueOrDefault(id));
        }).ToList();
        return new DecisionInput(
            targetResourceId,
            now,
            alertMetrics,
            platform,
            instances,
            findings.Plan ?? new PlanEvidence(UnknownSku, instances.Count, instances.Count),
            metrics?.HttpQueueLength,
            RecentActions: [],
            ActionsInProgressFleetWide: 0,
            metrics?.Breaching ?? [],
            [.. alreadyTried],
            incidentId);
    }

    /// <summary>The input with the app's recent actions and the number of actions running fleet-wide, from the journal.</summary>
    public static DecisionInput WithActions(DecisionInput input, IEnumerable<ActionRecord> recent, int runningFleetWide)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(recent);
        return input with
        {
            RecentActions = [.. recent.Select(a => new PastAction(a.StartedAt, a.Plan, a.TargetResourceId, a.IncidentId))],
            ActionsInProgressFleetWide = runningFleetWide,
        };
    }
}

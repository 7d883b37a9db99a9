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
    /// The decision input from the diagnostics: ONE list of instances, one <see cref="InstanceEvidence"/> per
    /// instance, with its figures, health check verdict and crash count. The journal's part is left empty for
    /// <see cref="WithActions"/>. A plan that could not be read counts as an <see cref="UnknownSku"/> plan at its
    /// current instance count and no room to grow.
    /// <para>
    /// ARM lists instances by instance id; the metrics (and the crash table) name them by machine name. Each listed
    /// ARM instance gets the figures of the metric name its process records map it to (<see cref="InstanceNames"/>).
    /// A metric name that cannot be mapped (its instance's process list could not be read, the records carry no
    /// <c>machineName</c>, or the instance list itself could not be read) is never counted as a second instance: its
    /// figures stand in for one listed instance that has no figures and no known machine name (so a one-instance app is
    /// still one instance), and are added as an instance of their own only when no such listed instance is left. Such an entry
    /// is <see cref="InstanceEvidence.Unmapped"/>: its figures drive the whole-app rules (memory high, CPU high on
    /// every instance, several unhealthy), but no action can name it, so the one-bad-instance rule passes to the next
    /// rule and says the instance could not be matched.
    /// </para>
    /// </summary>
    public static DecisionInput FromFindings(
        string incidentId, string targetResourceId, DateTimeOffset now, IReadOnlyList<string> alertMetrics, PlatformEvidence platform, IncidentFindings findings, IReadOnlyList<PlanKind> alreadyTried)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(alreadyTried);
        var metrics = findings.Metrics;
        var crashes = findings.Detectors?.CrashesByInstance ?? new Dictionary<string, int>();
        var instances = Instances(findings, crashes);
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

    private static List<InstanceEvidence> Instances(IncidentFindings findings, IReadOnlyDictionary<string, int> crashes)
    {
        var names = InstanceNames.ArmIdsByName(findings);
        var mapped = new Dictionary<string, InstanceMetrics>(StringComparer.OrdinalIgnoreCase);
        var unmapped = new Queue<InstanceMetrics>();
        foreach (var m in findings.Metrics?.Instances ?? [])
        {
            if (names.TryGetValue(m.InstanceId, out var armId))
            {
                mapped.TryAdd(armId, m); // two names for one instance: the first counts, never both
            }
            else
            {
                unmapped.Enqueue(m);
            }
        }

        int Crashes(string? a, string? b) =>
            (a is null ? 0 : crashes.GetValueOrDefault(a)) + (b is null || string.Equals(a, b, StringComparison.OrdinalIgnoreCase) ? 0 : crashes.GetValueOrDefault(b));

        InstanceEvidence Unmapped(InstanceMetrics m) =>
            Evidence(m.InstanceId, m, m.InstanceId, Crashes(m.InstanceId, null)) with { Unmapped = true };

        var instances = new List<InstanceEvidence>();
        foreach (var id in findings.Instances.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (mapped.TryGetValue(id, out var m))
            {
                instances.Add(Evidence(id, m, string.Equals(m.InstanceId, id, StringComparison.OrdinalIgnoreCase) ? InstanceNames.MachineName(findings, id) : m.InstanceId,
                    Crashes(id, m.InstanceId)));
            }
            else if (InstanceNames.MachineName(findings, id) is { } machine)
            {
                // Its machine name is known and has no figures: an unmapped name is some other machine.
                instances.Add(Evidence(id, null, machine, Crashes(id, machine)));
            }
            else if (unmapped.TryDequeue(out var stand))
            {
                instances.Add(Unmapped(stand)); // these figures are some listed instance's: which one is unknown
            }
            else
            {
                instances.Add(Evidence(id, null, null, Crashes(id, null)));
            }
        }

        instances.AddRange(unmapped.Select(Unmapped));
        return instances;
    }

    private static InstanceEvidence Evidence(string id, InstanceMetrics? m, string? machineName, int crashes) =>
        new(id, m?.MemoryPercent, m?.CpuPercent, m?.Http5xx, !HealthVerdict.FailsHealthCheck(m?.HealthPercent), crashes, machineName);

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

using AutoRemediate.Azure;
using AutoRemediate.Evidence;

namespace AutoRemediate.Decisions;

/// <summary>
/// Which instance and which process the evidence points at: the process a restart of one instance
/// ends, and the process dumped before a restart. Pure functions, one place for both choices.
/// </summary>
public static class Culprits
{
    /// <summary>
    /// True when the alert is about memory, i.e. not about CPU: the worst instance and process are then
    /// chosen by memory, otherwise by CPU. An alert about neither (5xx, health) is read as memory.
    /// </summary>
    public static bool ByMemory(IEnumerable<string> alertMetrics)
    {
        ArgumentNullException.ThrowIfNull(alertMetrics);
        return !alertMetrics.Any(m => MetricNames.IsIn(MetricNames.Cpu, m));
    }

    /// <summary>
    /// The worst instance by the metrics: highest memory (percent, else working set) or highest CPU; null when there are
    /// no figures. This is the metrics' Instance name (a machine name in Azure); <see cref="ToDump"/> maps it to an ARM instance.
    /// </summary>
    public static string? WorstInstance(IReadOnlyList<InstanceMetrics> instances, bool byMemory)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.Count == 0)
        {
            return null;
        }

        return (byMemory
            ? instances.OrderByDescending(i => i.MemoryPercent ?? i.WorkingSetBytes ?? 0)
            : instances.OrderByDescending(i => i.CpuPercent ?? 0)).First().InstanceId;
    }

    /// <summary>The worst process: most private bytes (else working set), or most CPU time; null when there is none.</summary>
    public static WorkerProcess? WorstProcess(IEnumerable<WorkerProcess>? processes, bool byMemory) =>
        processes is null ? null : byMemory
            ? processes.OrderByDescending(p => p.PrivateBytes ?? p.WorkingSetBytes ?? 0).FirstOrDefault()
            : processes.OrderByDescending(p => p.CpuSeconds ?? 0).FirstOrDefault();

    /// <summary>
    /// The worker a restart of one instance ends: the process using the most memory on the ARM instance the
    /// decision names (a machine name there is mapped first); null when that instance's process list could not be read.
    /// </summary>
    public static WorkerProcess? ToRestart(Decision decision, IncidentFindings findings)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(findings);
        return WorstProcess(OnInstance(findings.Processes, ArmInstance(findings, decision.InstanceId)), byMemory: true);
    }

    /// <summary>
    /// The process to dump before acting: on the instance the decision names, else on the worst instance
    /// by what the alert is about (its metric name mapped to the ARM instance through the process records'
    /// machine names), the worst process by the same measure. When that instance has no listed process, or its
    /// name cannot be mapped, the worst of all listed processes; null when no process list could be read.
    /// </summary>
    public static WorkerProcess? ToDump(Decision decision, IncidentFindings findings, bool byMemory)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(findings);
        var candidates = findings.Processes ?? [];
        var instance = ArmInstance(findings, decision.InstanceId ?? WorstInstance(findings.Metrics?.Instances ?? [], byMemory));
        var onInstance = instance is null ? [.. candidates] : OnInstance(candidates, instance).ToList();
        return WorstProcess(onInstance.Count > 0 ? onInstance : candidates, byMemory);
    }

    private static string? ArmInstance(IncidentFindings findings, string? name) =>
        name is null ? null : InstanceNames.ArmId(findings, name) ?? name;

    private static IEnumerable<WorkerProcess> OnInstance(IEnumerable<WorkerProcess>? processes, string? instanceId) =>
        (processes ?? []).Where(p => string.Equals(p.InstanceId, instanceId, StringComparison.OrdinalIgnoreCase));
}

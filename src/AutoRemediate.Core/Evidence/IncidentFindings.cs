namespace AutoRemediate.Evidence;

/// <summary>
/// Everything the diagnostics of one incident found, gathered from its sources by the Diagnose activity. It
/// lives in the orchestrator's memory only (rebuilt on replay from that activity's result, DiagnoseResult),
/// so it is not a history type; the pure functions in Decisions read it.
/// </summary>
/// <param name="Instances">The instance ids the site runs on.</param>
/// <param name="Processes">The site's worker processes; null when no instance's list could be read.</param>
/// <param name="Metrics">The metrics summary, when it could be read.</param>
/// <param name="Detectors">The detectors' verdicts, when they could be run.</param>
/// <param name="Plan">The plan, when it could be read.</param>
/// <param name="IsLinux">A Linux app.</param>
public sealed record IncidentFindings(
    IReadOnlyList<string> Instances, IReadOnlyList<WorkerProcess>? Processes, MetricsSummary? Metrics, DetectorsSummary? Detectors, PlanEvidence? Plan, bool IsLinux)
{
    /// <summary>Nothing found: the platform was at fault, so no diagnostics ran.</summary>
    public static readonly IncidentFindings None = new([], null, null, null, null, false);
}

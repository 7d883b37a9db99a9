namespace AutoRemediate.Alerts;

/// <summary>
/// One alert, normalized from whatever transport delivered it.
/// WARNING: persisted in orchestration history (inside <see cref="Workflow.RemediationInput"/>);
/// add members only as optional ones, never rename or remove.
/// </summary>
/// <param name="AlertId">The Azure Monitor alert instance id; stable between Fired and Resolved.</param>
/// <param name="AlertRule">The name of the alert rule.</param>
/// <param name="Severity">Sev0 (critical) to Sev4 (verbose).</param>
/// <param name="SignalType">Metric, Log or Activity Log.</param>
/// <param name="MonitorCondition">Fired or Resolved.</param>
/// <param name="MonitoringService">Platform, Log Alerts V2, Resource Health, ...</param>
/// <param name="TargetResourceIds">The resources the alert is about, as sent.</param>
/// <param name="FiredAt">When the alert fired.</param>
/// <param name="ResolvedAt">When the alert resolved, for Resolved notifications.</param>
/// <param name="Description">The rule's description, if any.</param>
public sealed record AlertSignal(
    string AlertId,
    string AlertRule,
    string Severity,
    string SignalType,
    MonitorCondition MonitorCondition,
    string MonitoringService,
    IReadOnlyList<string> TargetResourceIds,
    DateTimeOffset FiredAt,
    DateTimeOffset? ResolvedAt,
    string? Description);

/// <summary>The state an Azure Monitor alert notification reports.</summary>
public enum MonitorCondition
{
    /// <summary>The alert condition is met.</summary>
    Fired,

    /// <summary>The alert condition is no longer met.</summary>
    Resolved,
}

namespace AutoRemediate.Alerts;

/// <summary>
/// One alert, normalized from whatever transport delivered it.
/// WARNING: persisted in orchestration history (inside the remediation's input, <c>Workflow.RemediationInput</c>);
/// add members only as optional ones at the end, never rename or remove. Free text is capped
/// (<see cref="AlertContextParser"/>) so history stays small.
/// </summary>
/// <param name="AlertId">The Azure Monitor alert instance id; stable between Fired and Resolved.</param>
/// <param name="AlertRule">The name of the alert rule.</param>
/// <param name="Severity">Sev0 (critical) to Sev4 (verbose).</param>
/// <param name="SignalType">Metric, Log or Activity Log, as sent.</param>
/// <param name="MonitorCondition">Fired or Resolved.</param>
/// <param name="MonitoringService">Platform, Log Alerts V2, Resource Health, ..., as sent.</param>
/// <param name="TargetResourceIds">The resources the alert is about, as sent.</param>
/// <param name="FiredAt">When the alert fired.</param>
/// <param name="ResolvedAt">When the alert resolved, for Resolved notifications.</param>
/// <param name="Description">The rule's description, if any.</param>
/// <param name="Kind">The signal kind, derived from monitoring service and condition type.</param>
/// <param name="Conditions">Metric and log-search criteria, one per <c>allOf</c> entry.</param>
/// <param name="Window">The evaluation window (metric and log alerts).</param>
/// <param name="Log">Log-search details (query, result count, links).</param>
/// <param name="Health">Resource Health details (current and previous status, cause).</param>
/// <param name="Activity">Activity-log details (operation, status, caller; service-health title and region).</param>
/// <param name="Summary">A one-line human summary where the context has one (smart detection, Prometheus, service health).</param>
/// <param name="CustomProperties">The rule's custom properties.</param>
/// <param name="AlertContextVersion">The alert context version, as sent.</param>
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
    string? Description,
    SignalKind Kind = SignalKind.Other,
    IReadOnlyList<AlertCondition>? Conditions = null,
    EvaluationWindow? Window = null,
    LogSearchDetails? Log = null,
    ResourceHealthDetails? Health = null,
    ActivityLogDetails? Activity = null,
    string? Summary = null,
    IReadOnlyDictionary<string, string>? CustomProperties = null,
    string? AlertContextVersion = null)
{
    /// <summary>
    /// The part of the signal the remediation workflow reads (rule, severity, times, description, metric
    /// criteria and window), for its orchestration input: the input is stored in the history of every
    /// incident, so the details no workflow step uses (log query and links, health and activity-log
    /// details, custom properties, the target list the input carries on its own) stay with the incident
    /// record, not in the history.
    /// </summary>
    public AlertSignal ForWorkflow() => this with
    {
        TargetResourceIds = [],
        Log = null,
        Health = null,
        Activity = null,
        Summary = null,
        CustomProperties = null,
        AlertContextVersion = null,
        // The workflow reads a condition's metric, operator, threshold, observed value, aggregation and sensitivity,
        // and the window's size; the rest stays on the incident record, out of every history row.
        Conditions = Conditions?.Select(c => c with { MetricNamespace = null, Dimensions = null, Query = null }).ToList(),
        Window = Window is { Size: { } size } ? new EvaluationWindow(size, null, null) : null,
    };
}

/// <summary>The state an Azure Monitor alert notification reports.</summary>
public enum MonitorCondition
{
    /// <summary>The alert condition is met.</summary>
    Fired,

    /// <summary>The alert condition is no longer met.</summary>
    Resolved,
}

/// <summary>What kind of signal raised the alert.</summary>
public enum SignalKind
{
    /// <summary>Anything not recognised below; essentials are still complete.</summary>
    Other,

    /// <summary>Metric alert with static thresholds.</summary>
    MetricStatic,

    /// <summary>Metric alert with dynamic thresholds.</summary>
    MetricDynamic,

    /// <summary>Application Insights availability (web test) alert.</summary>
    Availability,

    /// <summary>Log search alert (Log Analytics / Application Insights, context v1, or Log Alerts V2).</summary>
    LogSearch,

    /// <summary>Activity log alert on an administrative (or policy, autoscale, security) operation.</summary>
    ActivityLog,

    /// <summary>Resource Health alert.</summary>
    ResourceHealth,

    /// <summary>Service Health alert.</summary>
    ServiceHealth,

    /// <summary>Application Insights smart detection.</summary>
    SmartDetection,

    /// <summary>Prometheus rule alert.</summary>
    Prometheus,
}

/// <summary>One criterion of a metric or log-search alert.</summary>
/// <param name="MetricName">The metric (metric alerts) or measure column (log alerts).</param>
/// <param name="MetricNamespace">The metric namespace.</param>
/// <param name="Operator">GreaterThan, LessThan, GreaterOrLessThan, ...</param>
/// <param name="Threshold">The threshold as sent (a number, or the dynamic threshold at evaluation).</param>
/// <param name="ObservedValue">The value that breached it.</param>
/// <param name="TimeAggregation">Average, Total, Count, Maximum, ...</param>
/// <param name="Dimensions">Dimension name/value pairs of the breaching series.</param>
/// <param name="Sensitivity">Dynamic thresholds: Low, Medium or High.</param>
/// <param name="Query">Log alerts V2: the search query.</param>
public sealed record AlertCondition(
    string? MetricName,
    string? MetricNamespace,
    string? Operator,
    string? Threshold,
    double? ObservedValue,
    string? TimeAggregation,
    IReadOnlyDictionary<string, string>? Dimensions,
    string? Sensitivity = null,
    string? Query = null);

/// <summary>The evaluation window of a metric or log alert.</summary>
/// <param name="Size">The window size.</param>
/// <param name="Start">Window start, when sent.</param>
/// <param name="End">Window end, when sent.</param>
public sealed record EvaluationWindow(TimeSpan? Size, DateTimeOffset? Start, DateTimeOffset? End);

/// <summary>Log-search alert details.</summary>
/// <param name="Query">The query (capped).</param>
/// <param name="ResultCount">How many rows or the measured value, when sent.</param>
/// <param name="LinkToResults">Portal link to the results.</param>
/// <param name="LinkToFilteredResults">Portal link to the filtered results.</param>
public sealed record LogSearchDetails(string? Query, double? ResultCount, string? LinkToResults, string? LinkToFilteredResults);

/// <summary>Resource Health alert details.</summary>
/// <param name="CurrentHealthStatus">Available, Unavailable, Degraded, Unknown.</param>
/// <param name="PreviousHealthStatus">The status before.</param>
/// <param name="Cause">PlatformInitiated or UserInitiated.</param>
/// <param name="Type">Downtime, ...</param>
/// <param name="Title">Title of the health event.</param>
public sealed record ResourceHealthDetails(string? CurrentHealthStatus, string? PreviousHealthStatus, string? Cause, string? Type, string? Title)
{
    /// <summary>True when Azure says the platform, not the user, caused it.</summary>
    public bool IsPlatformInitiated => string.Equals(Cause, "PlatformInitiated", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Activity-log alert details.</summary>
/// <param name="OperationName">The operation.</param>
/// <param name="Status">Active, Succeeded, Resolved, ...</param>
/// <param name="Caller">Who did it (administrative).</param>
/// <param name="Level">Informational, Warning, Error, Critical.</param>
/// <param name="Title">Service health: the communication title.</param>
/// <param name="Region">Service health: the impacted region(s).</param>
/// <param name="IncidentType">Service health: Incident, Maintenance, Informational, ActionRequired.</param>
/// <param name="TrackingId">Service health: Azure's tracking id, the same across updates of one event.</param>
/// <param name="Stage">Service health: Active, Resolved, RCA.</param>
/// <param name="Service">Service health: the impacted service.</param>
public sealed record ActivityLogDetails(
    string? OperationName, string? Status, string? Caller, string? Level, string? Title, string? Region, string? IncidentType,
    string? TrackingId = null, string? Stage = null, string? Service = null);

using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Workflow;

/// <summary>Tunables of the remediation workflow. They travel in the orchestration input, so a replay sees the values it started with.</summary>
public sealed class WorkflowOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Workflow";

    /// <summary>
    /// How long an escalated incident stays live after the pipeline hands it to people: further
    /// alerts for the app join it instead of opening new incidents, and a Resolved notification
    /// closes it as resolved. Zero ends the workflow at escalation.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan EscalationHold { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long one diagnostics source may take before the workflow goes on without it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DiagnosticsTimeout { get; set; } = WorkflowSettings.DefaultDiagnosticsTimeout;

    /// <summary>How far before the alert the metrics window starts.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan MetricsLookback { get; set; } = WorkflowSettings.DefaultMetricsLookback;

    /// <summary>
    /// Approve every plan the policy proposes without asking people. For the DevHost, demos and test
    /// environments; the timeline records each plan as approved by configuration.
    /// </summary>
    public bool AutoApprove { get; set; }

    /// <summary>How long a proposed plan waits for a decision; then nothing is done and the incident is escalated.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ApprovalTimeout { get; set; } = WorkflowSettings.DefaultApprovalTimeout;

    /// <summary>How often the verification looks at the app after an action.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan VerifyInterval { get; set; } = WorkflowSettings.DefaultVerifyInterval;

    /// <summary>How long the app must stay healthy before the incident is resolved.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan VerifyHealthyFor { get; set; } = WorkflowSettings.DefaultVerifyHealthyFor;

    /// <summary>How long after the action the app may take to become healthy; then the next rung is proposed or on-call takes over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VerifyDeadline { get; set; } = WorkflowSettings.DefaultVerifyDeadline;

    /// <summary>The settings as they travel in the orchestration input.</summary>
    public WorkflowSettings ToSettings() =>
        new(EscalationHold, DiagnosticsTimeout, MetricsLookback, AutoApprove, ApprovalTimeout, VerifyInterval, VerifyHealthyFor, VerifyDeadline);
}

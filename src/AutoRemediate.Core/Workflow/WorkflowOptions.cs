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

    /// <summary>The settings as they travel in the orchestration input.</summary>
    public WorkflowSettings ToSettings() => new(EscalationHold);
}

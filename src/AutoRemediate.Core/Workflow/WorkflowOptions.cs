using System.ComponentModel.DataAnnotations;
using System.Globalization;
using AutoRemediate.Actions;

namespace AutoRemediate.Workflow;

/// <summary>Tunables of the remediation workflow. They travel in the orchestration input, so a replay sees the values it started with.</summary>
public sealed class WorkflowOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Workflow";

    /// <summary>
    /// The most polls one verification may take (<see cref="VerifyDeadline"/> / <see cref="VerifyInterval"/>,
    /// plus one): a poll a minute for a whole day. Each poll reads the metrics API; the history stays
    /// bounded in any case (the polls run in a sub-orchestration that continues as new every few polls).
    /// </summary>
    public const int MaxVerifyPolls = 1440;

    /// <summary>
    /// How long an escalated incident stays live after the pipeline hands it to people: further
    /// alerts for the app join it instead of opening new incidents, and a Resolved notification
    /// closes it as resolved. Zero ends the workflow at escalation.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan EscalationHold { get; set; } = TimeSpan.FromHours(4);

    /// <summary>One deadline for the whole diagnostics fan-out (and another for the site read and the platform check): a source that has not answered by then is recorded as failed and the workflow goes on without it.</summary>
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

    /// <summary>
    /// How long a proposed plan waits for a decision; then nothing is done and the incident is escalated (or, for a plan
    /// in Policy:LowRiskPlans, it goes ahead).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ApprovalTimeout { get; set; } = WorkflowSettings.DefaultApprovalTimeout;

    /// <summary>
    /// Per plan kind, by risk, how long its request waits (<c>Workflow__ApprovalTimeouts__RestartInstance=00:10:00</c>);
    /// a plan kind not listed waits <see cref="ApprovalTimeout"/>.
    /// </summary>
    public IDictionary<PlanKind, TimeSpan> ApprovalTimeouts { get; } = new Dictionary<PlanKind, TimeSpan>();

    /// <summary>
    /// How long before a request expires a reminder is mailed to its approvers (with new links), when nobody has decided
    /// and the first mail reached somebody. Only for waits longer than this; zero turns reminders off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ApprovalReminder { get; set; } = WorkflowSettings.DefaultApprovalReminder;

    /// <summary>How often the verification looks at the app after an action.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan VerifyInterval { get; set; } = WorkflowSettings.DefaultVerifyInterval;

    /// <summary>How long the app must stay healthy before the incident is resolved.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan VerifyHealthyFor { get; set; } = WorkflowSettings.DefaultVerifyHealthyFor;

    /// <summary>How long after the action the app may take to become healthy; then the next rung is proposed or on-call takes over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VerifyDeadline { get; set; } = WorkflowSettings.DefaultVerifyDeadline;

    /// <summary>The wait before the first retry of a mail the SMTP server did not take; it doubles each retry (at most 5 minutes apart).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan MailRetryInterval { get; set; } = WorkflowSettings.DefaultMailRetryInterval;

    /// <summary>How often a mail is tried before the timeline records MailFailed and the incident goes on without it.</summary>
    [Range(1, 20)]
    public int MailAttempts { get; set; } = WorkflowSettings.DefaultMailAttempts;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (plan, timeout) in ApprovalTimeouts)
        {
            if (plan == PlanKind.Escalate || timeout < TimeSpan.FromSeconds(1) || timeout > TimeSpan.FromDays(7))
            {
                yield return new ValidationResult(
                    string.Create(CultureInfo.InvariantCulture,
                        $"{SectionName}:{nameof(ApprovalTimeouts)}:{plan} ({timeout}) must be an action's timeout between 00:00:01 and 7.00:00:00."),
                    [nameof(ApprovalTimeouts)]);
            }
        }

        if (VerifyInterval <= TimeSpan.Zero || VerifyDeadline <= TimeSpan.Zero)
        {
            yield break; // the ranges above already say what is wrong
        }

        var polls = Math.Ceiling(VerifyDeadline.TotalSeconds / Math.Max(1, VerifyInterval.TotalSeconds)) + 1;
        if (polls > MaxVerifyPolls)
        {
            yield return new ValidationResult(
                string.Create(CultureInfo.InvariantCulture,
                    $"{SectionName}:{nameof(VerifyDeadline)} ({VerifyDeadline}) with {SectionName}:{nameof(VerifyInterval)} ({VerifyInterval}) means {polls} health polls per verification; at most {MaxVerifyPolls} are allowed. Lengthen the interval or shorten the deadline."),
                [nameof(VerifyDeadline), nameof(VerifyInterval)]);
        }

        if (VerifyHealthyFor + VerifyInterval > VerifyDeadline)
        {
            yield return new ValidationResult(
                string.Create(CultureInfo.InvariantCulture,
                    $"{SectionName}:{nameof(VerifyHealthyFor)} ({VerifyHealthyFor}) plus one {SectionName}:{nameof(VerifyInterval)} ({VerifyInterval}) must fit in {SectionName}:{nameof(VerifyDeadline)} ({VerifyDeadline}), or no app could ever be verified healthy."),
                [nameof(VerifyHealthyFor), nameof(VerifyDeadline)]);
        }
    }

    /// <summary>
    /// Evidence:DumpsEnabled, copied here when the options are built (<see cref="WorkflowServices"/>) so the
    /// orchestrator sees it in its input and schedules no dump activity when dumps are off. Not bound from the Workflow section.
    /// </summary>
    internal bool DumpsEnabled { get; set; } = true;

    /// <summary>The settings as they travel in the orchestration input.</summary>
    /// <remarks>
    /// A setting at its default travels as null (left out of the stored input; the workflow reads null as the default):
    /// every incident's history carries this input, so only what an operator changed is written.
    /// </remarks>
    public WorkflowSettings ToSettings() =>
        new(EscalationHold,
            Changed(DiagnosticsTimeout, WorkflowSettings.DefaultDiagnosticsTimeout),
            Changed(MetricsLookback, WorkflowSettings.DefaultMetricsLookback),
            AutoApprove,
            Changed(ApprovalTimeout, WorkflowSettings.DefaultApprovalTimeout),
            Changed(VerifyInterval, WorkflowSettings.DefaultVerifyInterval),
            Changed(VerifyHealthyFor, WorkflowSettings.DefaultVerifyHealthyFor),
            Changed(VerifyDeadline, WorkflowSettings.DefaultVerifyDeadline),
            ApprovalTimeouts.Count > 0 ? new Dictionary<PlanKind, TimeSpan>(ApprovalTimeouts) : null,
            Changed(MailRetryInterval, WorkflowSettings.DefaultMailRetryInterval),
            MailAttempts == WorkflowSettings.DefaultMailAttempts ? null : MailAttempts,
            Changed(ApprovalReminder, WorkflowSettings.DefaultApprovalReminder),
            DumpsEnabled ? null : false);

    private static TimeSpan? Changed(TimeSpan value, TimeSpan defaultValue) => value == defaultValue ? null : value;
}

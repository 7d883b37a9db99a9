using AutoRemediate.Decisions;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;

namespace AutoRemediate.Notify;

// WARNING: the records below travel in orchestration history. Add members only as optional ones at
// the end. They carry small summaries only (capped texts), and never a token or a code.

/// <summary>The alert, as an approval mail shows it.</summary>
/// <param name="Rule">The alert rule's name.</param>
/// <param name="Severity">Sev0 to Sev4.</param>
/// <param name="FiredAt">When it fired.</param>
/// <param name="Description">The rule's description, if any (capped).</param>
public sealed record MailAlert(string Rule, string Severity, DateTimeOffset FiredAt, string? Description);

/// <summary>One of the alert's metric conditions: the metric against its threshold.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Operator">GreaterThan, LessThan, ...</param>
/// <param name="Threshold">The threshold, as the alert gave it.</param>
/// <param name="Observed">The value that fired the alert.</param>
/// <param name="StillBreaching">True when the latest reading still breaks the condition.</param>
public sealed record MailMetric(string Metric, string? Operator, string? Threshold, double? Observed, bool StillBreaching);

/// <summary>The memory dump taken before the plan, if any.</summary>
/// <param name="Blob">Where it is (blob name or address).</param>
/// <param name="Bytes">Its size.</param>
public sealed record MailDump(string Blob, long Bytes);

/// <summary>Input of <see cref="ActivityNames.NotifyApprovers"/>: what the approval mail says.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="ApprovalId">The request the links decide.</param>
/// <param name="Sequence">The timeline position kept for the outcome of the mailing (ApprovalMailed or MailFailed).</param>
/// <param name="At">The orchestration's time.</param>
/// <param name="TargetResourceId">The app.</param>
/// <param name="Alert">The alert.</param>
/// <param name="Decision">The plan and why.</param>
/// <param name="ExpiresAt">When the request expires.</param>
/// <param name="Metrics">The alert's metrics against their thresholds.</param>
/// <param name="Findings">What the diagnostics found, in words (capped); null: the activity reads it from the timeline (DiagnosticsCollected).</param>
/// <param name="Dump">The dump, if one was taken.</param>
/// <param name="OtherApps">The other apps on the same plan (a scale step changes them too).</param>
/// <param name="Reminder">A reminder before the request expires: the same request with new links, as nobody has decided yet.</param>
public sealed record ApprovalMailRequest(
    string IncidentId,
    string ApprovalId,
    int Sequence,
    DateTimeOffset At,
    string TargetResourceId,
    MailAlert Alert,
    Decision Decision,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<MailMetric> Metrics,
    string? Findings,
    MailDump? Dump,
    IReadOnlyList<string> OtherApps,
    bool Reminder = false);

/// <summary>Input of <see cref="ActivityNames.NotifyOutcome"/>: a short mail to the approvers about the end of the incident.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="TargetResourceId">The app.</param>
/// <param name="AlertRule">The alert rule.</param>
/// <param name="Status">Resolved or Escalated.</param>
/// <param name="Summary">What happened, in one sentence.</param>
/// <param name="At">When.</param>
public sealed record OutcomeMailRequest(string IncidentId, string TargetResourceId, string AlertRule, IncidentStatus Status, string Summary, DateTimeOffset At);

/// <summary>What a mailing did: to whom (addresses only, never a link or code).</summary>
/// <param name="Configured">False when mail is not configured: nobody was mailed.</param>
/// <param name="To">The addresses mailed.</param>
public sealed record MailResult(bool Configured, IReadOnlyList<string> To);

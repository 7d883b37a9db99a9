using System.Text.Json.Serialization;
using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;

namespace AutoRemediate.Workflow;

// WARNING: every type in this file is persisted in orchestration history. In-flight instances replay
// against it: add members only as optional ones at the end, never rename, reorder or remove.

/// <summary>What starts a remediation.</summary>
/// <param name="IncidentId">The incident the ingest path created.</param>
/// <param name="TargetResourceId">The App Service resource to remediate.</param>
/// <param name="Signal">The alert that opened the incident.</param>
/// <param name="Settings">Tunables, fixed at start so replays see the same values.</param>
public sealed record RemediationInput(string IncidentId, string TargetResourceId, AlertSignal Signal, WorkflowSettings Settings);

/// <summary>Workflow tunables as carried in the orchestration input (see <see cref="WorkflowOptions"/>); unset ones take the defaults.</summary>
/// <param name="EscalationHold">How long an escalated incident stays live for repeats and resolution.</param>
/// <param name="DiagnosticsTimeout">One deadline for the whole diagnostics fan-out (and one for the first reads).</param>
/// <param name="MetricsLookback">How far before the alert the metrics window starts.</param>
/// <param name="AutoApprove">Approve every plan without asking.</param>
/// <param name="ApprovalTimeout">How long a plan waits for a decision.</param>
/// <param name="VerifyInterval">Time between verification polls.</param>
/// <param name="VerifyHealthyFor">How long the app must stay healthy.</param>
/// <param name="VerifyDeadline">How long the app may take to recover.</param>
/// <param name="ApprovalTimeouts">Per plan kind, how long its request waits for a decision (others: <paramref name="ApprovalTimeout"/>).</param>
/// <param name="MailRetryInterval">The wait before the first retry of a mail that could not be sent (it doubles each time).</param>
/// <param name="MailAttempts">How often a mail is tried before MailFailed is recorded.</param>
/// <param name="ApprovalReminder">How long before a request expires its approvers are reminded (zero: never; only for waits longer than this).</param>
/// <param name="DumpsEnabled">False when Evidence:DumpsEnabled is false: the workflow records DumpSkipped without scheduling CaptureDump (null: as before, the activity decides).</param>
public sealed record WorkflowSettings(
    TimeSpan EscalationHold,
    TimeSpan? DiagnosticsTimeout = null,
    TimeSpan? MetricsLookback = null,
    bool AutoApprove = false,
    TimeSpan? ApprovalTimeout = null,
    TimeSpan? VerifyInterval = null,
    TimeSpan? VerifyHealthyFor = null,
    TimeSpan? VerifyDeadline = null,
    IReadOnlyDictionary<PlanKind, TimeSpan>? ApprovalTimeouts = null,
    TimeSpan? MailRetryInterval = null,
    int? MailAttempts = null,
    TimeSpan? ApprovalReminder = null,
    bool? DumpsEnabled = null)
{
    /// <summary>Default of <see cref="ApprovalReminder"/>.</summary>
    public static readonly TimeSpan DefaultApprovalReminder = TimeSpan.FromMinutes(10);

    /// <summary>Default of <see cref="MailRetryInterval"/>.</summary>
    public static readonly TimeSpan DefaultMailRetryInterval = TimeSpan.FromSeconds(15);

    /// <summary>Default of <see cref="MailAttempts"/>: with the default interval, about 8 minutes of retries.</summary>
    public const int DefaultMailAttempts = 6;

    /// <summary>Default of <see cref="DiagnosticsTimeout"/>.</summary>
    public static readonly TimeSpan DefaultDiagnosticsTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Default of <see cref="MetricsLookback"/>.</summary>
    public static readonly TimeSpan DefaultMetricsLookback = TimeSpan.FromMinutes(30);

    /// <summary>Default of <see cref="ApprovalTimeout"/>.</summary>
    public static readonly TimeSpan DefaultApprovalTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Default of <see cref="VerifyInterval"/>.</summary>
    public static readonly TimeSpan DefaultVerifyInterval = TimeSpan.FromMinutes(1);

    /// <summary>Default of <see cref="VerifyHealthyFor"/>.</summary>
    public static readonly TimeSpan DefaultVerifyHealthyFor = TimeSpan.FromMinutes(5);

    /// <summary>Default of <see cref="VerifyDeadline"/>.</summary>
    public static readonly TimeSpan DefaultVerifyDeadline = TimeSpan.FromMinutes(20);
}

/// <summary>How a remediation ended.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Status">The final status.</param>
/// <param name="Summary">One sentence for on-call.</param>
public sealed record RemediationResult(string IncidentId, IncidentStatus Status, string Summary);

/// <summary>Input of <see cref="ActivityNames.OpenIncident"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Timeline position for the "opened" entry.</param>
/// <param name="At">The orchestration's current time.</param>
/// <param name="Message">The timeline message.</param>
/// <param name="TargetResourceId">The app (for the log scope: IncidentLogScope); null in histories written before it existed.</param>
public sealed record OpenIncidentRequest(string IncidentId, int Sequence, DateTimeOffset At, string Message, string? TargetResourceId = null);

/// <summary>Input of <see cref="ActivityNames.CloseIncident"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Timeline position for the closing entry.</param>
/// <param name="At">The orchestration's current time.</param>
/// <param name="Status">The final status.</param>
/// <param name="Summary">Why it ended this way.</param>
/// <param name="LiveUntil">Escalated with a hold: when the hold ends (the incident is not closed before).</param>
/// <param name="TargetResourceId">The app (for the log scope: IncidentLogScope); null in histories written before it existed.</param>
/// <param name="OutcomeMailRule">
/// Set (to the alert rule) when the approvers were mailed: the activity also sends the short closing mail, once. When
/// that fails it answers false and the workflow sends it with <see cref="ActivityNames.NotifyOutcome"/>, retried durably.
/// </param>
public sealed record CloseIncidentRequest(
    string IncidentId, int Sequence, DateTimeOffset At, IncidentStatus Status, string Summary, DateTimeOffset? LiveUntil = null, string? TargetResourceId = null, string? OutcomeMailRule = null);

/// <summary>Input of <see cref="ActivityNames.SetStatus"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Status">The new (not final) status.</param>
/// <param name="Summary">Where things are.</param>
/// <param name="At">The orchestration's current time.</param>
/// <param name="TargetResourceId">The app (for the log scope: IncidentLogScope); null in histories written before it existed.</param>
public sealed record SetStatusRequest(string IncidentId, IncidentStatus Status, string Summary, DateTimeOffset At, string? TargetResourceId = null);

/// <summary>
/// Input of <see cref="OrchestrationNames.Verification"/>, and the state it carries from one
/// generation to the next (ContinueAsNew): what to watch, until when, and what it has seen so far.
/// </summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="TargetResourceId">The app.</param>
/// <param name="PlanResourceId">Its plan (plan-level metrics), when known.</param>
/// <param name="Criteria">The alert's metric criteria: healthy means none of them holds any more.</param>
/// <param name="Interval">Time between polls.</param>
/// <param name="HealthyFor">How long the app must stay healthy.</param>
/// <param name="Deadline">How long after the start the verification gives up.</param>
/// <param name="PollsLeft">Polls still allowed (a cap besides the deadline).</param>
/// <param name="NextSequence">The next free timeline position; the parent carries on from the one returned.</param>
/// <param name="Generation">0 for the first generation; each ContinueAsNew adds one.</param>
/// <param name="DeadlineAt">When it gives up (orchestration time, UTC), set by the first generation.</param>
/// <param name="HealthySince">Since when the app has looked healthy, if it does.</param>
/// <param name="LastHealthy">The last reading's verdict (a timeline entry is written only when it changes).</param>
/// <param name="Reading">The last reading, in words.</param>
/// <param name="Action">The plan carried out, for the timeline.</param>
/// <param name="StatusWritten">
/// The action's activity set the Verifying status already, as its outcome says (<see cref="AutoRemediate.Actions.ActionOutcome.VerifyingWritten"/>):
/// the first generation does not write it again.
/// </param>
/// <param name="PollWritesEntry">
/// Each poll's activity writes the verdict's timeline entry itself (<see cref="MetricsRequest.Entry"/>). False for
/// verifications started before it existed: they replay with the entry written by a RecordTimeline call of their own.
/// </param>
public sealed record VerificationInput(
    string IncidentId,
    string TargetResourceId,
    string? PlanResourceId,
    IReadOnlyList<AlertCriterion> Criteria,
    TimeSpan Interval,
    TimeSpan HealthyFor,
    TimeSpan Deadline,
    int PollsLeft,
    int NextSequence,
    int Generation = 0,
    DateTime? DeadlineAt = null,
    DateTime? HealthySince = null,
    bool? LastHealthy = null,
    string? Reading = null,
    string? Action = null,
    bool StatusWritten = false,
    bool PollWritesEntry = false);

/// <summary>How a verification ended.</summary>
/// <param name="Healthy">The app stayed healthy for long enough before the deadline.</param>
/// <param name="Reading">The last reading, in words.</param>
/// <param name="NextSequence">The next free timeline position after the entries the verification wrote.</param>
/// <param name="Plan">The App Service plan as it is after a failed verification (the next rung scales from it); null when healthy or unreadable.</param>
/// <param name="Cancelled">The verification stopped because the incident was cancelled (<see cref="EventNames.CancelRequested"/>).</param>
public sealed record VerificationResult(bool Healthy, string Reading, int NextSequence, PlanEvidence? Plan = null, bool Cancelled = false);

/// <summary>
/// The <see cref="EventNames.CancelRequested"/> event: who cancelled the incident, when and why. Kept small
/// (it stays in the history): the reason is capped by the cancel endpoint.
/// </summary>
/// <param name="IncidentId">The incident cancelled.</param>
/// <param name="By">Who cancelled it, as decisions record who decided.</param>
/// <param name="Reason">Why, if they said (capped, control characters refused).</param>
/// <param name="At">When the cancel was accepted.</param>
public sealed record CancelRequestedEvent(string IncidentId, string By, string? Reason, DateTimeOffset At);

/// <summary>Input of <see cref="ActivityNames.EscalateAfterError"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Timeline position for the entry that gives the reason.</param>
/// <param name="At">The orchestration's current time.</param>
/// <param name="Reason">What failed, in words.</param>
/// <param name="TargetResourceId">The app (for the log scope: IncidentLogScope); null in histories written before it existed.</param>
public sealed record EscalateAfterErrorRequest(string IncidentId, int Sequence, DateTimeOffset At, string Reason, string? TargetResourceId = null);

/// <summary>Input of <see cref="ActivityNames.Diagnose"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="TargetResourceId">The app.</param>
/// <param name="PlanResourceId">Its plan, when the site names one.</param>
/// <param name="IsLinux">A Linux app (carried into the findings).</param>
/// <param name="Start">The metrics and detectors window's start.</param>
/// <param name="At">The orchestration's current time: the window's end and the time of the entries written.</param>
/// <param name="Criteria">The alert's metric criteria.</param>
/// <param name="Timeout">The deadline every source shares.</param>
/// <param name="Sequence">The first of <see cref="DiagnoseActivities.ReservedPositions"/> timeline positions the activity writes to.</param>
/// <param name="Before">Entries the workflow deferred (site, platform), written first at their own positions.</param>
/// <param name="Decide">When set, the activity also decides the first rung's plan from what it found (see <see cref="DecideAfterDiagnosis"/>).</param>
public sealed record DiagnoseRequest(
    string IncidentId, string TargetResourceId, string? PlanResourceId, bool IsLinux, DateTimeOffset Start, DateTimeOffset At,
    IReadOnlyList<AlertCriterion> Criteria, TimeSpan Timeout, int Sequence, IReadOnlyList<TimelineEntry>? Before = null, DecideAfterDiagnosis? Decide = null);

/// <summary>
/// What the first decision needs beside the findings. With it, <see cref="ActivityNames.Diagnose"/> decides the first
/// rung itself (as <see cref="ActivityNames.DecidePlan"/> would, PlanChosen included) instead of the workflow
/// sending the whole evidence back in a second activity: one queue round trip and one evidence-sized input fewer
/// in the history.
/// </summary>
/// <param name="AlertMetrics">The metrics the alert fired on.</param>
/// <param name="Platform">The platform check's verdict.</param>
public sealed record DecideAfterDiagnosis(IReadOnlyList<string> AlertMetrics, PlatformEvidence Platform);

/// <summary>What <see cref="ActivityNames.Diagnose"/> found (see <see cref="IncidentFindings"/>), and the next free timeline position.</summary>
/// <param name="Instances">The instance ids the site runs on.</param>
/// <param name="Processes">The site's worker processes; null when no instance's list could be read.</param>
/// <param name="Metrics">The metrics summary, when it could be read.</param>
/// <param name="Detectors">The detectors' verdicts, when they could be run.</param>
/// <param name="Plan">The plan, when it could be read.</param>
/// <param name="NextSequence">The position after the last entry written.</param>
/// <param name="Decision">The first rung's decision, when the request asked for it.</param>
public sealed record DiagnoseResult(
    IReadOnlyList<string> Instances, IReadOnlyList<WorkerProcess>? Processes, MetricsSummary? Metrics, DetectorsSummary? Detectors, PlanEvidence? Plan, int NextSequence,
    Decision? Decision = null);

/// <summary>Input of <see cref="ActivityNames.Assess"/>.</summary>
/// <param name="Begin">What <see cref="ActivityNames.BeginIncident"/> takes: open, read the site, check the platform.</param>
/// <param name="MetricsStart">Where the diagnostics' metrics window starts (it ends at <see cref="BeginIncidentRequest.At"/>).</param>
/// <param name="Criteria">The alert's criteria.</param>
/// <param name="AlertMetrics">The metrics the alert fired on, for the first decision.</param>
public sealed record AssessRequest(BeginIncidentRequest Begin, DateTimeOffset MetricsStart, IReadOnlyList<AlertCriterion> Criteria, IReadOnlyList<string> AlertMetrics)
{
    /// <summary>The incident (for log scopes; not serialized).</summary>
    [JsonIgnore]
    public string IncidentId => Begin.IncidentId;

    /// <summary>The app (for log scopes; not serialized).</summary>
    [JsonIgnore]
    public string TargetResourceId => Begin.TargetResourceId;
}

/// <summary>What <see cref="ActivityNames.Assess"/> did, read, found and decided.</summary>
/// <param name="Opened">False when the incident was cancelled before its workflow started (nothing written, nothing read).</param>
/// <param name="Site">The site, when it could be read.</param>
/// <param name="Platform">The platform check's verdict, when the check completed.</param>
/// <param name="Diagnosis">The findings and the first rung's decision; null when nothing was diagnosed (a plan alert, no site, the platform at fault).</param>
/// <param name="NextSequence">The position after the entries the activity wrote.</param>
/// <param name="CreatedAt">
/// When the incident was created (its list index rows' key): the action's activity writes its statuses with it, without
/// reading the row back (<see cref="ActionRequest.IncidentCreatedAt"/>). Null in histories written before it existed.
/// </param>
public sealed record AssessResult(bool Opened, SiteSnapshot? Site, PlatformEvidence? Platform, DiagnoseResult? Diagnosis, int NextSequence, DateTimeOffset? CreatedAt = null);

/// <summary>Input of <see cref="ActivityNames.BeginIncident"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Timeline position for the "opened" entry; the entries of the reads follow it.</param>
/// <param name="At">The orchestration's current time.</param>
/// <param name="Message">The "opened" entry's message.</param>
/// <param name="TargetResourceId">The app (or, for a plan alert, the plan: then nothing is read).</param>
/// <param name="Timeout">The deadline the site read and the platform check share.</param>
public sealed record BeginIncidentRequest(string IncidentId, int Sequence, DateTimeOffset At, string Message, string TargetResourceId, TimeSpan Timeout);

/// <summary>What <see cref="ActivityNames.BeginIncident"/> did and read.</summary>
/// <param name="Opened">False when the incident was cancelled before its workflow started (nothing written, nothing read).</param>
/// <param name="Site">The site, when it could be read.</param>
/// <param name="Platform">The platform check, when it completed.</param>
/// <param name="NextSequence">The position after the entries the activity wrote (opened, failed reads, site, platform).</param>
/// <param name="CreatedAt">When the incident was created, as its row says (null when it was not found).</param>
public sealed record BeginIncidentResult(bool Opened, SiteSnapshot? Site, PlatformCheck? Platform, int NextSequence, DateTimeOffset? CreatedAt = null);

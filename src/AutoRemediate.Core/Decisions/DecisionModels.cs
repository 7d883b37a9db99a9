using AutoRemediate.Shared;
using AutoRemediate.Actions;
using AutoRemediate.Azure;
using AutoRemediate.Evidence;

namespace AutoRemediate.Decisions;

// WARNING: the records in this file travel in orchestration history (the decision's input and
// output). Add members only as optional ones at the end.

/// <summary>What the evidence says about one instance.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="MemoryPercent">Memory use of the instance, percent.</param>
/// <param name="CpuPercent">CPU use, percent.</param>
/// <param name="Http5xx">5xx responses in the evidence window.</param>
/// <param name="Healthy">Health check (or equivalent) says healthy.</param>
/// <param name="WorkerRestarts">Worker process restarts seen in the evidence window.</param>
/// <param name="MachineName">The instance's machine name (what the metrics call it), when known.</param>
/// <param name="Unmapped">
/// True when these figures are under a metrics Instance name that could not be mapped to an ARM instance: then
/// <paramref name="InstanceId"/> is that name, the figures count for the whole-app rules, and no action can target
/// the instance (see <see cref="DecisionInputs.FromFindings"/>).
/// </param>
public sealed record InstanceEvidence(string InstanceId, double? MemoryPercent, double? CpuPercent, double? Http5xx, bool Healthy, int WorkerRestarts = 0,
    string? MachineName = null, bool Unmapped = false);

/// <summary>An action the pipeline took earlier on this app or elsewhere.</summary>
/// <param name="At">When.</param>
/// <param name="Plan">What.</param>
/// <param name="TargetResourceId">Which app.</param>
/// <param name="IncidentId">The incident it belonged to (the incident's own earlier rung does not count toward its cooldown).</param>
public sealed record PastAction(DateTimeOffset At, PlanKind Plan, string TargetResourceId, string? IncidentId = null);

/// <summary>Everything the decision looks at. Built by the workflow from diagnostics; the decision itself does no I/O.</summary>
/// <param name="TargetResourceId">The app.</param>
/// <param name="Now">The workflow's current time.</param>
/// <param name="MetricNames">The metrics the alert was about (MemoryWorkingSet, Http5xx, CpuPercentage, ...).</param>
/// <param name="Platform">Platform evidence.</param>
/// <param name="Instances">Per-instance evidence.</param>
/// <param name="Plan">The plan.</param>
/// <param name="HttpQueueLength">The plan's HTTP queue length.</param>
/// <param name="RecentActions">This app's actions in the last 24 hours, or in the recurrence period when that is longer.</param>
/// <param name="ActionsInProgressFleetWide">Actions running now across the fleet.</param>
/// <param name="BreachingMetrics">The alert's own metrics whose condition still holds on the latest reading.</param>
/// <param name="AlreadyTried">Plans this incident already carried out without the app recovering (the next rung of the ladder).</param>
/// <param name="IncidentId">The incident deciding.</param>
public sealed record DecisionInput(
    string TargetResourceId,
    DateTimeOffset Now,
    IReadOnlyList<string> MetricNames,
    PlatformEvidence Platform,
    IReadOnlyList<InstanceEvidence> Instances,
    PlanEvidence Plan,
    double? HttpQueueLength,
    IReadOnlyList<PastAction> RecentActions,
    int ActionsInProgressFleetWide,
    IReadOnlyList<string>? BreachingMetrics = null,
    IReadOnlyList<PlanKind>? AlreadyTried = null,
    string? IncidentId = null);

/// <summary>What the policy decided, and why, in words an on-call engineer understands.</summary>
/// <param name="Plan">The plan (Escalate when nothing is to be done).</param>
/// <param name="Reason">Why this plan.</param>
/// <param name="DumpFirst">Take a memory dump of the worst process before acting.</param>
/// <param name="InstanceId">RestartInstance: which instance.</param>
/// <param name="NewCapacity">ScaleOut: the new instance count.</param>
/// <param name="NewSku">ScaleUp: the new SKU.</param>
/// <param name="NeedsApproval">Ask people before acting.</param>
/// <param name="DryRun">Recorded only; nothing will be done.</param>
/// <param name="BlockedBy">When a guardrail turned an action into Escalate: which one.</param>
/// <param name="Proposed">When blocked or dry-run: the plan the evidence pointed to.</param>
/// <param name="Warnings">Things approvers should know (e.g. autoscale would undo a scale-out).</param>
/// <param name="NotByConfiguration">
/// Why this plan must be approved by a person even where configuration would approve it (Policy:AutoApprovedPlans,
/// Workflow:AutoApprove): a plan made without a complete platform verdict, a scale step on a plan shared with
/// apps outside Scope. Null when configuration may. Set with <see cref="NeedsApproval"/>.
/// </param>
/// <param name="ProceedOnTimeout">A low-risk plan (Policy:LowRiskPlans): when nobody decides before the request times out, it goes ahead.</param>
/// <param name="Recurrence">The app needed more restarts than Policy:RecurrenceAfterRestarts lately: restarts are hiding a problem.</param>
public sealed record Decision(
    PlanKind Plan,
    string Reason,
    bool DumpFirst = false,
    string? InstanceId = null,
    int? NewCapacity = null,
    string? NewSku = null,
    bool NeedsApproval = false,
    bool DryRun = false,
    string? BlockedBy = null,
    PlanKind? Proposed = null,
    IReadOnlyList<string>? Warnings = null,
    string? NotByConfiguration = null,
    bool ProceedOnTimeout = false,
    Recurrence? Recurrence = null);

/// <summary>Restarts that did not fix an app: how many, over what period, and the incidents they belonged to.</summary>
/// <param name="Restarts">Restarts of the app (whole app or one instance) in the period, before this incident.</param>
/// <param name="Period">The period counted (Policy:RecurrencePeriod).</param>
/// <param name="EarlierIncidents">The incidents of those restarts, newest first (at most <see cref="MaxIncidents"/>).</param>
public sealed record Recurrence(int Restarts, TimeSpan Period, IReadOnlyList<string> EarlierIncidents)
{
    /// <summary>The most earlier incidents named (the history keeps references, not lists).</summary>
    public const int MaxIncidents = 10;

    /// <summary>In words: "restarts are hiding a problem: 4 restarts in 7 days".</summary>
    public string Words => $"restarts are hiding a problem: {Restarts} restarts in {Display.Period(Period)}";

    /// <summary><see cref="Words"/> as the start of a sentence: "Restarts are hiding a problem: …".</summary>
    public string Sentence => "R" + Words[1..];
}

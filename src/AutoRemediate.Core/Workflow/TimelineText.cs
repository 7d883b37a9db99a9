using System.Globalization;
using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// The words the remediation workflow writes on the timeline and in the incident's summary, in one
/// place so the orchestrator only sequences. Pure: what is said depends only on the arguments, so a
/// replay writes the same text.
/// </summary>
internal static class TimelineText
{
    // Timeline messages are capped: an exception's text can be long, and a table property is at most 64 KiB.
    private const int MaxReasonLength = 1000;

    public static string Opened(AlertSignal signal, string target) =>
        $"Alert '{signal.AlertRule}' ({signal.Severity}) fired for {NameOf(target)}; gathering evidence before touching anything.";

    /// <summary>The CancelRequested entry: who asked, when, why.</summary>
    public static string CancelRequested(CancelRequestedEvent c) =>
        $"Cancel requested by {c.By} at {c.At.ToString("u", CultureInfo.InvariantCulture)}{ReasonOf(c)}.";

    /// <summary>The Cancelled summary and IncidentCancelled entry: who, when, why, and what had been done.</summary>
    public static string CancelledSummary(CancelRequestedEvent c, string done) =>
        $"Cancelled by {c.By} at {c.At.ToString("u", CultureInfo.InvariantCulture)}{ReasonOf(c)}. {done} Nothing more will be done automatically.";

    public const string CancelledBeforeStart = "Cancelled before the workflow started; nothing was done.";

    public const string NothingDone = "Nothing had been done to the app.";

    public static string DoneBeforeCancel(IReadOnlyList<PlanKind> done) =>
        done.Count == 0 ? NothingDone : $"Carried out before the cancel, and finished: {string.Join(", ", done)}.";

    public static string CancelledWhileWaiting(PlanKind plan, CancelRequestedEvent c) =>
        $"The request to approve {plan} is no longer needed: the incident was cancelled by {c.By}; nothing was done.";

    public static string CancelAfterClaim(PlanKind plan, ApprovalDecisionEvent d, CancelRequestedEvent c) =>
        $"{(d.Approved ? "Approved" : "Rejected")} by {d.Approver}, but the cancel by {c.By} reached the workflow first; {plan} was not carried out.";

    private static string ReasonOf(CancelRequestedEvent c) => string.IsNullOrEmpty(c.Reason) ? string.Empty : $": \"{c.Reason}\"";

    public static string PlanAlert(string target) =>
        $"The alert is about the App Service plan {NameOf(target)}, not one app; the pipeline acts on apps, so on-call takes this one.";

    public const string PlanAlertEscalated = "No automatic mitigation applies to a plan-level alert; the incident is handed to on-call.";

    public const string SiteUnreadable = "The site could not be read from Azure Resource Manager, so the pipeline will not act blind; on-call takes over.";

    public static string SiteInspected(SiteSnapshot site) =>
        $"Site {site.Name} is {site.State ?? "in an unknown state"} ({site.Kind ?? "kind unknown"}, {site.Location ?? "region unknown"}) on plan {NameOf(site.ServerFarmId)}.";

    public static string PlatformChecked(IEnumerable<string> notes) => string.Join(" ", notes);

    public static string ReadFailed(string what, string error) => $"Could not read {what}: {error}";

    public static string ReadTimedOut(string what, TimeSpan timeout) => $"Could not read {what}: no answer within {timeout}.";

    public static string ProcessesOf(string instanceId) => $"the processes on instance {Display.ShortId(instanceId)}";

    /// <summary>What the diagnostics found, in one line (DiagnosticsCollected).</summary>
    public static string Diagnosed(IncidentFindings e)
    {
        var parts = new List<string> { $"{e.Instances.Count} instance(s)" };
        if (e.Plan is { } plan)
        {
            parts.Add($"plan {plan.Sku} × {plan.Capacity}" + (plan.AutoscaleMaximum is { } max ? $" (autoscale {plan.AutoscaleMinimum}-{max})" : string.Empty));
        }

        // One entry per instance, named both ways (short ARM id, machine name) when the process records map them.
        var armIds = InstanceNames.ArmIdsByName(e);
        foreach (var i in e.Metrics?.Instances ?? [])
        {
            var label = armIds.TryGetValue(i.InstanceId, out var armId) ? InstanceNames.Label(armId, InstanceNames.MachineName(e, armId) ?? i.InstanceId) : i.InstanceId;
            parts.Add($"{label}: memory {Display.Percent(i.MemoryPercent)}, CPU {Display.Percent(i.CpuPercent)}, 5xx {Display.Number(i.Http5xx)}, health {Display.Percent(i.HealthPercent)}");
        }

        if (e.Metrics is { Breaching.Count: > 0 } m)
        {
            parts.Add($"still breaching: {string.Join(", ", m.Breaching)}");
        }

        foreach (var f in e.Detectors?.Findings ?? [])
        {
            parts.Add($"{f.Detector} {f.Status}: {f.Message}");
        }

        parts.Add($"{e.Processes?.Count.ToString(CultureInfo.InvariantCulture) ?? "no"} worker process(es) listed");
        var blobs = new[] { e.Metrics?.EvidenceBlob, e.Detectors?.EvidenceBlob }.OfType<string>().ToList();
        if (blobs.Count > 0)
        {
            parts.Add("evidence: " + string.Join(", ", blobs));
        }

        return string.Join("; ", parts) + ".";
    }

    public static string DryRun(PlanKind plan) => $"Dry run: {plan} was not carried out; nothing was changed on the app.";

    public static string DryRunEscalated(Decision decision) => $"Dry run: the policy would have chosen {decision.Plan}. {decision.Reason}";

    public static string NoWorkerToRestart(Decision decision) =>
        $"{decision.Plan} needs the worker process on instance {decision.InstanceId}, and the process list could not be read; on-call takes over.";

    public static string DumpFailed(WorkerProcess process, string error) =>
        $"No memory dump: capturing process {process.ProcessId} ({process.Name}) on instance {Display.ShortId(process.InstanceId)} failed ({Display.FirstLine(error)}). The mitigation goes ahead without it.";

    public const string PlatformCheckDidNotComplete = "the platform check did not complete";

    public const string NoProcessToDump =
        "No memory dump: the process list could not be read (Kudu did not answer), so there is no process to dump. The mitigation goes ahead without it.";

    public static string NotNeeded(PlanKind plan) => $"The policy runs {plan} without asking ({PolicyOptions.SectionName}:{nameof(PolicyOptions.AutoApprovedPlans)}).";

    public static string ApprovedByConfiguration(PlanKind plan) => $"{plan} approved by configuration ({WorkflowOptions.SectionName}:{nameof(WorkflowOptions.AutoApprove)}).";

    public static string Approved(PlanKind plan, ApprovalDecisionEvent d) => $"{plan} approved by {Who(d)} at {d.At:u}.";

    public static string Rejected(PlanKind plan, ApprovalDecisionEvent d) => $"{plan} rejected by {Who(d)} at {d.At:u}; nothing was done.";

    public static string RejectedEscalated(PlanKind plan, ApprovalDecisionEvent d) => $"{plan} was rejected by {d.Approver}; on-call takes over.";

    public static string ResolvedWhileWaiting(PlanKind plan, AlertResolvedEvent r) =>
        $"Alert '{r.AlertRule}' resolved at {r.ResolvedAt:u} before anyone decided; {plan} was not carried out.";

    public static string WithdrawnAfterClaim(PlanKind plan, ApprovalDecisionEvent claimed, AlertResolvedEvent r) =>
        $"{plan} was {(claimed.Approved ? "approved" : "rejected")} by {claimed.Approver} at {claimed.At:u}, but alert '{r.AlertRule}' resolved at {r.ResolvedAt:u} before it was carried out; nothing was done.";

    public static string ResolvedWhileWaitingSummary(PlanKind plan, AlertResolvedEvent r) =>
        $"Alert '{r.AlertRule}' resolved on its own while {plan} waited for approval; nothing was done.";

    public static string NobodyDecided(PlanKind plan, TimeSpan timeout) => $"Nobody decided on {plan} within {timeout}: timed out; nothing was done.";

    public static string NobodyDecidedLowRisk(PlanKind plan, TimeSpan timeout) =>
        $"Nobody decided on {plan} within {timeout}: timed out. {plan} is marked low-risk (Policy:LowRiskPlans), so it goes ahead without a decision.";

    public static string ProceedsAfterTimeout(PlanKind plan) => $"{plan} goes ahead after the request timed out (low-risk plan; nobody approved or rejected it).";

    public static string NotApprovedInTime(PlanKind plan, TimeSpan timeout) => $"{plan} was proposed but not approved within {timeout}; on-call takes over.";

    public static string CancelledBeforeAction(PlanKind plan, AlertResolvedEvent r) =>
        $"Alert '{r.AlertRule}' resolved at {r.ResolvedAt:u}, before {plan} was carried out; nothing was done.";

    public static string ResolvedBeforeAction(PlanKind plan, AlertResolvedEvent r) =>
        $"Alert '{r.AlertRule}' resolved on its own before {plan} was carried out; nothing was done.";

    public static string ActionFailed(PlanKind plan, string error) => $"{plan} failed: {error}";

    public static string ActionFailedEscalated(PlanKind plan, string error) => $"{plan} could not be carried out ({error}); on-call takes over.";

    public static string Recovered(PlanKind plan, string reading) => $"{plan} brought the app back: {reading}";

    public static string LadderExhausted(IEnumerable<PlanKind> tried) =>
        $"The app did not recover after {string.Join(" then ", tried)}; nothing further is in the policy's ladder, so on-call takes over.";

    public static string AlsoFired(AlertRepeatedEvent r) => $"Alert '{r.AlertRule}' ({r.Severity}) also fired for this app at {r.FiredAt:u}.";

    public static string ResolvedAfterEscalation(AlertResolvedEvent r) => $"Alert '{r.AlertRule}' resolved at {r.ResolvedAt:u} after escalation.";

    public static string MailFailed(string what, string error) =>
        $"Could not mail {what} after its retries ({Display.FirstLine(error)}); the incident goes on without it.";

    public static string HoldEnded(TimeSpan hold) => $"No resolution within {hold}; the incident stays escalated and new alerts will open a new incident.";

    public static string Watching(TimeSpan healthyFor, TimeSpan deadline) => $"Watching the app: it must stay healthy for {healthyFor} within {deadline}.";

    public static string MetricsUnreadable(string error) => $"the metrics could not be read: {error}";

    public static string NotRecovered(TimeSpan deadline, string? action, string reading) => $"The app did not recover within {deadline} of {action ?? "the action"}. {reading}";

    public const string NoReadingYet = "no reading yet.";

    public const string ThePlan = "the App Service plan";

    /// <summary>DumpSkipped when Evidence:DumpsEnabled is false (the words CaptureDump used to write).</summary>
    public const string DumpsTurnedOff = "No memory dump: memory dumps are turned off (Evidence:DumpsEnabled=false). The mitigation goes ahead without it.";

    /// <summary>What failed, in words for the timeline: the step and its error, never a stack trace, capped.</summary>
    public static string Failure(Exception ex)
    {
        var text = ex switch
        {
            TaskFailedException failed => $"{failed.TaskName} failed: {failed.FailureDetails.ErrorType}: {failed.FailureDetails.ErrorMessage}",
            _ => $"{ex.GetType().Name}: {ex.Message}",
        };
        return text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…";
    }

    public static string StoppedOnError(string reason) =>
        $"The remediation stopped on an error and nothing more will be done automatically; on-call takes over. {reason}";

    public static string EscalatingStatus(string reason) => "escalating after error: " + reason;

    private static string Who(ApprovalDecisionEvent d) =>
        (string.IsNullOrWhiteSpace(d.Comment) ? d.Approver : $"{d.Approver} (\"{d.Comment}\")") + (string.IsNullOrEmpty(d.From) ? string.Empty : $" from {d.From}");

    // The last segment of a resource id: the app's or the plan's name.
    private static string NameOf(string? resourceId)
    {
        if (string.IsNullOrEmpty(resourceId))
        {
            return "an unknown resource";
        }

        var slash = resourceId.TrimEnd('/').LastIndexOf('/');
        return slash >= 0 ? resourceId[(slash + 1)..] : resourceId;
    }
}

namespace AutoRemediate.Shared;

/// <summary>Orchestration names. Both hosts register the orchestrations under these names.</summary>
public static class OrchestrationNames
{
    /// <summary>The one remediation workflow per sick app.</summary>
    public const string Remediation = "Remediation";

    /// <summary>
    /// The verification after an action, as a sub-orchestration of <see cref="Remediation"/>: its polls
    /// live in their own history, which starts over (ContinueAsNew) every few polls.
    /// </summary>
    public const string Verification = "Verification";
}

/// <summary>Activity names. Both hosts register the activities under these names.</summary>
public static class ActivityNames
{
    /// <summary>Marks the incident open and records that the alert was received.</summary>
    public const string OpenIncident = "OpenIncident";

    /// <summary>Opens the incident, reads the site and checks the platform, in one activity (the workflow's first steps).</summary>
    public const string BeginIncident = "BeginIncident";

    /// <summary>
    /// The workflow's first steps in one activity: <see cref="BeginIncident"/>, then, for an app whose site was read and
    /// whose platform is not at fault, <see cref="Diagnose"/> and the first rung's decision.
    /// </summary>
    public const string Assess = "Assess";

    /// <summary>Reads the target site from Azure Resource Manager and returns a small summary.</summary>
    public const string CollectSiteSnapshot = "CollectSiteSnapshot";

    /// <summary>Appends one entry to the incident timeline.</summary>
    public const string RecordTimeline = "RecordTimeline";

    /// <summary>Records the incident's final status and outcome.</summary>
    public const string CloseIncident = "CloseIncident";

    /// <summary>Resource Health, open Service Health incidents for the region, the fleet breaker.</summary>
    public const string CheckPlatform = "CheckPlatform";

    /// <summary>The plan's SKU, capacity and autoscale setting.</summary>
    public const string CollectPlan = "CollectPlan";

    /// <summary>The instances the site runs on.</summary>
    public const string CollectInstances = "CollectInstances";

    /// <summary>The site's processes on one instance.</summary>
    public const string CollectProcesses = "CollectProcesses";

    /// <summary>The metrics window around the alert (series kept as evidence).</summary>
    public const string CollectMetrics = "CollectMetrics";

    /// <summary>App Service diagnostics detectors (responses kept as evidence).</summary>
    public const string CollectDetectors = "CollectDetectors";

    /// <summary>The whole diagnostics fan-out (plan, instances and processes, metrics, detectors) in one activity; records what it found.</summary>
    public const string Diagnose = "Diagnose";

    /// <summary>Applies the policy to the evidence.</summary>
    public const string DecidePlan = "DecidePlan";

    /// <summary>Streams a memory dump of the worst process to Blob Storage.</summary>
    public const string CaptureDump = "CaptureDump";

    /// <summary>Marks the incident as waiting for approval.</summary>
    public const string RequestApproval = "RequestApproval";

    /// <summary>Records how the approval ended.</summary>
    public const string EndApproval = "EndApproval";

    /// <summary>Restarts or scales, idempotently.</summary>
    public const string ExecuteAction = "ExecuteAction";

    /// <summary>One verification poll.</summary>
    public const string CheckHealth = "CheckHealth";

    /// <summary>The incident's actions stop counting toward the fleet-wide cap.</summary>
    public const string FinishActions = "FinishActions";

    /// <summary>Mails the approvers their links and codes (issued and sent in one activity: neither reaches history).</summary>
    public const string NotifyApprovers = "NotifyApprovers";

    /// <summary>Mails the approvers that the incident resolved or was escalated.</summary>
    public const string NotifyOutcome = "NotifyOutcome";

    /// <summary>Sets the incident's status (and summary) without closing it.</summary>
    public const string SetStatus = "SetStatus";

    /// <summary>
    /// Ends an approval request that nobody decided in time, or that the alert's resolution made moot;
    /// returns the decision instead when one was claimed first.
    /// </summary>
    public const string ExpireApproval = "ExpireApproval";

    /// <summary>The workflow failed: the incident is escalated with the reason on its timeline.</summary>
    public const string EscalateAfterError = "EscalateAfterError";
}

/// <summary>External event names raised on a running remediation.</summary>
public static class EventNames
{
    /// <summary>An approver decided on the proposed plan.</summary>
    public const string ApprovalDecision = "ApprovalDecision";

    /// <summary>Azure Monitor reported the alert as resolved.</summary>
    public const string AlertResolved = "AlertResolved";

    /// <summary>Another alert arrived for the same app while the remediation runs.</summary>
    public const string AlertRepeated = "AlertRepeated";

    /// <summary>
    /// A person cancelled the incident (<c>POST /api/incidents/{id}/cancel</c>): the workflow stops at its next
    /// step, after the activity in flight. The remediation forwards it to its running verification.
    /// </summary>
    public const string CancelRequested = "CancelRequested";
}

namespace AutoRemediate.Incidents;

/// <summary>
/// The kinds of entry on an incident's timeline (<see cref="TimelineEntry.Kind"/>): stable names that
/// people filter on and that stored incidents keep, so never rename one.
/// </summary>
public static class TimelineKinds
{
    /// <summary>Ingest accepted the alert that opened the incident.</summary>
    public const string AlertReceived = "AlertReceived";

    /// <summary>Another alert rule fired for the app while the incident was live.</summary>
    public const string AlertRepeated = "AlertRepeated";

    /// <summary>One of the incident's alert rules resolved while others still fire: the remediation goes on.</summary>
    public const string RuleResolved = "RuleResolved";

    /// <summary>An Azure event (Event Grid) about the app, recorded as it came.</summary>
    public const string AzureEvent = "AzureEvent";

    /// <summary>The workflow started on the incident.</summary>
    public const string IncidentOpened = "IncidentOpened";

    /// <summary>The site as Azure Resource Manager describes it.</summary>
    public const string SiteInspected = "SiteInspected";

    /// <summary>Resource Health, Service Health and the fleet breaker.</summary>
    public const string PlatformChecked = "PlatformChecked";

    /// <summary>The alert was about a plan, not an app.</summary>
    public const string PlanAlert = "PlanAlert";

    /// <summary>A diagnostics source could not be read.</summary>
    public const string DiagnosticsFailed = "DiagnosticsFailed";

    /// <summary>What the diagnostics found, in one line.</summary>
    public const string DiagnosticsCollected = "DiagnosticsCollected";

    /// <summary>The policy's plan and why.</summary>
    public const string PlanChosen = "PlanChosen";

    /// <summary>Dry-run mode: the plan was recorded, not carried out.</summary>
    public const string DryRun = "DryRun";

    /// <summary>A memory dump is in Blob Storage.</summary>
    public const string DumpCaptured = "DumpCaptured";

    /// <summary>No memory dump, and why.</summary>
    public const string DumpSkipped = "DumpSkipped";

    /// <summary>People were asked to approve the plan.</summary>
    public const string ApprovalRequested = "ApprovalRequested";

    /// <summary>The approvers were mailed their links (to whom; never a link or code), or nobody was, and why.</summary>
    public const string ApprovalMailed = "ApprovalMailed";

    /// <summary>A mail could not be sent after its retries; the incident goes on without it.</summary>
    public const string MailFailed = "MailFailed";

    /// <summary>The policy runs the plan without asking.</summary>
    public const string ApprovalNotNeeded = "ApprovalNotNeeded";

    /// <summary>The plan was approved (by a person or by configuration).</summary>
    public const string ApprovalGranted = "ApprovalGranted";

    /// <summary>The plan was rejected.</summary>
    public const string ApprovalRejected = "ApprovalRejected";

    /// <summary>Nobody decided in time.</summary>
    public const string ApprovalTimedOut = "ApprovalTimedOut";

    /// <summary>Nobody decided in time on a low-risk plan (Policy:LowRiskPlans), which goes ahead.</summary>
    public const string ProceedingAfterTimeout = "ProceedingAfterTimeout";

    /// <summary>The alert resolved before the decision mattered.</summary>
    public const string ApprovalWithdrawn = "ApprovalWithdrawn";

    /// <summary>An approval link was opened for the first time (opening it decides nothing).</summary>
    public const string LinkOpened = "LinkOpened";

    /// <summary>An approval link was locked after too many wrong codes; it decides nothing any more.</summary>
    public const string LinkLocked = "LinkLocked";

    /// <summary>The action was carried out.</summary>
    public const string ActionTaken = "ActionTaken";

    /// <summary>The action could not be carried out.</summary>
    public const string ActionFailed = "ActionFailed";

    /// <summary>The alert resolved before the approved action ran; nothing was done.</summary>
    public const string ActionCancelled = "ActionCancelled";

    /// <summary>A verification poll found the app healthy.</summary>
    public const string HealthyAgain = "HealthyAgain";

    /// <summary>A verification poll found the app not healthy yet.</summary>
    public const string StillUnhealthy = "StillUnhealthy";

    /// <summary>The app did not recover within the verification deadline.</summary>
    public const string VerificationFailed = "VerificationFailed";

    /// <summary>The hold after an escalation ended without a resolution.</summary>
    public const string HoldEnded = "HoldEnded";

    /// <summary>The workflow stopped on an error; on-call takes over.</summary>
    public const string WorkflowFailed = "WorkflowFailed";

    /// <summary>The incident closed Resolved.</summary>
    public const string IncidentResolved = "IncidentResolved";

    /// <summary>The incident closed Escalated.</summary>
    public const string IncidentEscalated = "IncidentEscalated";

    /// <summary>A person asked to cancel the incident (who, when, why); the workflow stops at its next step.</summary>
    public const string CancelRequested = "CancelRequested";

    /// <summary>The incident closed Cancelled: who cancelled it, when, why, and what had been done.</summary>
    public const string IncidentCancelled = "IncidentCancelled";

    /// <summary>True for the entries a person's cancel writes from outside the workflow (not reported by Azure).</summary>
    public static bool IsByPerson(string kind) => kind is CancelRequested or IncidentCancelled;

    /// <summary>The entry that closes an incident with <paramref name="status"/>.</summary>
    public static string Closed(IncidentStatus status) => status switch
    {
        IncidentStatus.Resolved => IncidentResolved,
        IncidentStatus.Escalated => IncidentEscalated,
        IncidentStatus.Cancelled => IncidentCancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Only Resolved, Escalated and Cancelled close an incident."),
    };
}

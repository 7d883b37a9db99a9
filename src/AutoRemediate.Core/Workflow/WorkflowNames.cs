namespace AutoRemediate.Workflow;

/// <summary>Orchestration names. Both hosts register the orchestrations under these names.</summary>
public static class OrchestrationNames
{
    /// <summary>The one remediation workflow per sick app.</summary>
    public const string Remediation = "Remediation";
}

/// <summary>Activity names. Both hosts register the activities under these names.</summary>
public static class ActivityNames
{
    /// <summary>Marks the incident open and records that the alert was received.</summary>
    public const string OpenIncident = "OpenIncident";

    /// <summary>Reads the target site from Azure Resource Manager and returns a small summary.</summary>
    public const string CollectSiteSnapshot = "CollectSiteSnapshot";

    /// <summary>Appends one entry to the incident timeline.</summary>
    public const string RecordTimeline = "RecordTimeline";

    /// <summary>Records the incident's final status and outcome.</summary>
    public const string CloseIncident = "CloseIncident";
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
}

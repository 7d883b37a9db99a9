using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Incidents;

/// <summary>
/// Where incidents are kept. The storage account itself is the Function App's
/// (<c>AzureWebJobsStorage</c>: a connection string locally, identity-based service URIs in Azure).
/// </summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Storage";

    /// <summary>Table holding one row per incident.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Table names are 3-63 letters or digits, starting with a letter.")]
    public string IncidentsTable { get; set; } = "Incidents";

    /// <summary>Table holding incident timelines (partitioned by incident).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Table names are 3-63 letters or digits, starting with a letter.")]
    public string TimelineTable { get; set; } = "IncidentTimeline";

    /// <summary>Table holding the actions the pipeline took (cooldowns, daily limits, fleet concurrency, idempotency).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Table names are 3-63 letters or digits, starting with a letter.")]
    public string ActionsTable { get; set; } = "RemediationActions";

    /// <summary>Table holding Service Health notices received through the alert webhook (the platform check reads it).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Table names are 3-63 letters or digits, starting with a letter.")]
    public string PlatformNoticesTable { get; set; } = "PlatformNotices";

    /// <summary>Table holding approval requests and who decided them (partitioned by incident; the claim is a conditional write).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Table names are 3-63 letters or digits, starting with a letter.")]
    public string ApprovalsTable { get; set; } = "ApprovalRequests";

    /// <summary>Table holding approval links (one row per link, keyed by the SHA-256 of its token; never the token or its code).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Table names are 3-63 letters or digits, starting with a letter.")]
    public string ApprovalLinksTable { get; set; } = "ApprovalLinks";
}

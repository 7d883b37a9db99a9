using AutoRemediate.Decisions;

namespace AutoRemediate.Functions;

/// <summary>Names of the HTTP functions (orchestrations and activities use Core's constants).</summary>
public static class FunctionNames
{
    /// <summary>GET /api/health: storage (table, blob) and Durable backend reachability (anonymous; no secrets).</summary>
    public const string Health = "health";

    /// <summary>POST /api/alerts: Azure Monitor action group webhooks.</summary>
    public const string Alerts = "alerts";

    /// <summary>POST/OPTIONS /api/events: Event Grid deliveries.</summary>
    public const string Events = "events";

    /// <summary>GET /api/incidents: incidents newest first, filtered and paged.</summary>
    public const string ListIncidents = "incidents";

    /// <summary>GET /api/incidents/{id}: incident status and timeline.</summary>
    public const string GetIncident = "incident";

    /// <summary>GET /api/incidents/{id}/export: the incident as a Markdown postmortem.</summary>
    public const string ExportIncident = "incidentExport";

    /// <summary>POST /api/incidents/{id}/decision: an approver's decision on a proposed plan.</summary>
    public const string Decision = "decision";

    /// <summary>POST /api/incidents/{id}/cancel: a person stops the incident's workflow at its next step.</summary>
    public const string CancelIncident = "incidentCancel";

    /// <summary>GET/POST /api/approve/{token}: the approval link's review page and its form (anonymous: the link is the credential).</summary>
    public const string ApprovalLink = "approvalLink";

    /// <summary>GET /api/ui/incidents: the incident list page (anonymous, guarded by IPageAccess).</summary>
    public const string IncidentListPage = "incidentListPage";

    /// <summary>GET /api/ui/incidents/{id}: one incident's page (anonymous, guarded by IPageAccess).</summary>
    public const string IncidentPage = "incidentPage";

    /// <summary>GET /api/ui/incidents/{id}/export: the postmortem from the incident page (anonymous, guarded by IPageAccess).</summary>
    public const string IncidentPageExport = "incidentPageExport";

    /// <summary>POST /api/ui/signin: the incident pages' sign-in redirect URI (Entra posts the ID token here).</summary>
    public const string PageSignIn = "pageSignIn";

    /// <summary>GET /api/ui/signout: ends the incident pages' session.</summary>
    public const string PageSignOut = "pageSignOut";

    /// <summary>Timer (<c>%Retention:Schedule%</c>): the retention purge of incidents past <c>Retention:MaxAge</c>.</summary>
    public const string Retention = "retention";
}

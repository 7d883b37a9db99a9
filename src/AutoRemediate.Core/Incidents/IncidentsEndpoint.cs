using AutoRemediate.Http;
using Microsoft.AspNetCore.Http;

namespace AutoRemediate.Incidents;

/// <summary><c>GET /api/incidents/{id}</c> for both hosts: the incident with its status and timeline.</summary>
public sealed class IncidentsEndpoint
{
    private readonly IIncidentStore _store;

    /// <summary>Creates the endpoint.</summary>
    public IncidentsEndpoint(IIncidentStore store) => _store = store;

    /// <summary>Handles one request.</summary>
    public async Task<IResult> GetAsync(string? incidentId, CancellationToken cancellationToken)
    {
        if (!IncidentIds.IsWellFormed(incidentId))
        {
            return Problems.BadRequest("Malformed incident id.",
                [new Alerts.InputError("id", "Incident ids look like inc-20250415-0123456789abcdef.")]);
        }

        var incident = await _store.GetAsync(incidentId!, cancellationToken).ConfigureAwait(false);
        if (incident is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Incident not found.", $"No incident '{incidentId}' exists.");
        }

        var timeline = await _store.GetTimelineAsync(incidentId!, cancellationToken).ConfigureAwait(false);
        return Results.Json(new
        {
            incidentId = incident.IncidentId,
            status = incident.Status.ToString(),
            closed = incident.IsClosed,
            summary = incident.Summary,
            targetResourceId = incident.TargetResourceId,
            alertId = incident.AlertId,
            alertRule = incident.AlertRule,
            severity = incident.Severity,
            createdAt = incident.CreatedAt,
            updatedAt = incident.UpdatedAt,
            repeatCount = incident.RepeatCount,
            alertRules = incident.AlertRules,
            pendingApproval = incident.PendingApproval,
            timeline = timeline.Select(t => new { at = t.At, kind = t.Kind, message = t.Message, source = t.Sequence == TimelineEntry.ExternalSequence ? "azure" : "workflow" }),
        });
    }
}

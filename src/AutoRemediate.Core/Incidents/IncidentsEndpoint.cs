using AutoRemediate.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Incidents;

/// <summary><c>GET /api/incidents/{id}</c> for both hosts: the incident with its status and timeline.</summary>
public sealed class IncidentsEndpoint
{
    private readonly IIncidentStore _store;
    private readonly IOptions<Alerts.IngestOptions> _options;
    private readonly ILogger<IncidentsEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public IncidentsEndpoint(IIncidentStore store, IOptions<Alerts.IngestOptions> options, ILogger<IncidentsEndpoint> logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
    }

    /// <summary>Handles one request.</summary>
    public async Task<IResult> GetAsync(string? incidentId, CancellationToken cancellationToken)
    {
        if (!IncidentIds.IsWellFormed(incidentId))
        {
            return Problems.BadRequest("Malformed incident id.",
                [new Alerts.InputError("id", "Incident ids look like inc-20250415-0123456789abcdef.")]);
        }

        return await DependencyFailures.GuardAsync(token => ReadAsync(incidentId!, token), _options.Value.DependencyTimeout, "Incident storage", _logger, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IResult> ReadAsync(string incidentId, CancellationToken cancellationToken)
    {
        var incident = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
        if (incident is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Incident not found.", $"No incident '{incidentId}' exists.");
        }

        var timeline = await _store.GetTimelineAsync(incidentId, cancellationToken).ConfigureAwait(false);
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

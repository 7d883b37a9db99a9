using AutoRemediate.Http;
using AutoRemediate.Incidents;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Alerts;

/// <summary>
/// <c>POST /api/alerts</c> for both hosts: reads the request, calls <see cref="AlertIngestor"/>, maps
/// the outcome to HTTP. 202 with the incident and its status URL; 200 <c>ignored</c> when no target
/// is ours; 400/413/415 problem+json for bad input; 503 when storage cannot take the alert (Azure
/// Monitor retries 503, not 500).
/// </summary>
public sealed class AlertsEndpoint
{
    private readonly AlertIngestor _ingestor;
    private readonly WebhookReader _reader;
    private readonly ILogger<AlertsEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public AlertsEndpoint(AlertIngestor ingestor, WebhookReader reader, ILogger<AlertsEndpoint> logger)
    {
        _ingestor = ingestor;
        _reader = reader;
        _logger = logger;
    }

    /// <summary>Handles one delivery.</summary>
    public async Task<IResult> HandleAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, problem) = await _reader.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var parsed = CommonAlertSchemaParser.Parse(body);
        if (!parsed.IsValid)
        {
            Log.AlertRejected(_logger, parsed.Errors.Count, parsed.Title!);
            return Problems.BadRequest(parsed.Title!, parsed.Errors);
        }

        var signal = parsed.Signal!;
        IReadOnlyList<TargetOutcome> outcomes;
        try
        {
            outcomes = await _ingestor.IngestAsync(signal, client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (DependencyFailures.IsTransient(ex))
        {
            Log.DependencyUnavailable(_logger, ex.GetType().Name, ex.Message);
            return DependencyFailures.Unavailable("Incident storage or the workflow backend cannot take the alert right now.");
        }

        var targets = outcomes.Select(o => new
        {
            target = o.TargetResourceId,
            disposition = o.Disposition.ToString(),
            incidentId = o.IncidentId,
            statusUrl = o.IncidentId is null ? null : StatusUrl(request, o.IncidentId),
            reason = o.Reason,
        }).ToArray();
        var primary = outcomes.FirstOrDefault(o => o.IncidentId is not null);
        if (primary is null)
        {
            var status = outcomes.All(o => o.Disposition == TargetDisposition.PlatformNoticeRecorded) ? "recorded" : "ignored";
            return Results.Json(new { status, alertId = signal.AlertId, reason = outcomes[0].Reason, targets }, statusCode: StatusCodes.Status200OK);
        }

        var statusUrl = StatusUrl(request, primary.IncidentId!);
        request.HttpContext.Response.Headers.Location = statusUrl;
        return Results.Json(
            new { status = "accepted", alertId = signal.AlertId, incidentId = primary.IncidentId, statusUrl, targets },
            statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The public status URL of an incident: our own route, never Durable's management URLs.</summary>
    public static string StatusUrl(HttpRequest request, string incidentId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{request.Scheme}://{request.Host}{request.PathBase}/api/incidents/{Uri.EscapeDataString(incidentId)}";
    }
}

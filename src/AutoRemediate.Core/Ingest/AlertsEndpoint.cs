using AutoRemediate.Alerts;
using AutoRemediate.Http;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Ingest;

/// <summary>
/// <c>POST /api/alerts</c> for both hosts: reads the request, calls <see cref="AlertIngestor"/>, maps
/// the outcome to HTTP. 202 with the incident and its status URL; 200 <c>ignored</c> when no target
/// is ours or the alert is not about an app; 400/413/415 problem+json for malformed input; 503 when
/// storage or the Durable backend fails or does not answer within <see cref="IngestOptions.DependencyTimeout"/>
/// (Azure Monitor retries 503, not 500).
/// </summary>
public sealed class AlertsEndpoint
{
    private readonly AlertIngestor _ingestor;
    private readonly WebhookReader _reader;
    private readonly IOptions<IngestOptions> _options;
    private readonly ILogger<AlertsEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public AlertsEndpoint(AlertIngestor ingestor, WebhookReader reader, IOptions<IngestOptions> options, ILogger<AlertsEndpoint> logger)
    {
        _ingestor = ingestor;
        _reader = reader;
        _options = options;
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

        var limits = _options.Value;
        var parsed = CommonAlertSchemaParser.Parse(body, limits.MaxTargetsPerAlert);
        if (parsed.IsIgnored)
        {
            Log.AlertIgnored(_logger, parsed.IgnoredAlertId!, parsed.IgnoredReason!);
            return Results.Json(new { status = "ignored", alertId = parsed.IgnoredAlertId, reason = parsed.IgnoredReason, targets = Array.Empty<object>() });
        }

        if (!parsed.IsValid)
        {
            Log.AlertRejected(_logger, parsed.Errors.Count, parsed.Title!);
            return Problems.BadRequest(parsed.Title!, parsed.Errors);
        }

        var signal = parsed.Signal!;
        return await DependencyFailures.GuardAsync(
            async token => Answer(request, signal, await _ingestor.IngestAsync(signal, client, token).ConfigureAwait(false)),
            limits.DependencyTimeout, "Incident storage or the workflow backend", _logger, cancellationToken).ConfigureAwait(false);
    }

    private static IResult Answer(HttpRequest request, AlertSignal signal, IReadOnlyList<TargetOutcome> outcomes)
    {
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
            var status = outcomes.Count > 0 && outcomes.All(o => o.Disposition == TargetDisposition.PlatformNoticeRecorded) ? "recorded" : "ignored";
            return Results.Json(new { status, alertId = signal.AlertId, reason = outcomes.Count > 0 ? outcomes[0].Reason : "The alert names no target.", targets }, statusCode: StatusCodes.Status200OK);
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

using AutoRemediate.Http;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Incidents;

/// <summary>
/// <c>GET /api/incidents</c> and <c>GET /api/incidents/{id}</c> for both hosts: the incident with its status and timeline. Given the
/// Durable client, an incident that looks busy although no workflow runs for it any more is escalated
/// first (<see cref="IncidentReconciler"/>), so the answer never shows a stuck incident as in progress.
/// </summary>
public sealed class IncidentsEndpoint
{
    private readonly IIncidentStore _store;
    private readonly IncidentReconciler _reconciler;
    private readonly IOptions<IngestOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<IncidentsEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public IncidentsEndpoint(IIncidentStore store, IncidentReconciler reconciler, IOptions<IngestOptions> options, TimeProvider time, ILogger<IncidentsEndpoint> logger)
    {
        _store = store;
        _reconciler = reconciler;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Handles one request without asking the workflow backend (the stored incident as it is).</summary>
    public Task<IResult> GetAsync(string? incidentId, CancellationToken cancellationToken) => GetAsync(incidentId, null, cancellationToken);

    /// <summary>Handles one request; with <paramref name="client"/>, an open incident whose workflow stopped is escalated first.</summary>
    public async Task<IResult> GetAsync(string? incidentId, DurableTaskClient? client, CancellationToken cancellationToken)
    {
        if (IncidentIds.ProblemIfMalformed(incidentId) is { } malformed)
        {
            return malformed;
        }

        return await DependencyFailures.GuardAsync(token => ReadAsync(incidentId!, client, token), _options.Value.DependencyTimeout, "Incident storage", _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/incidents?app=&amp;status=&amp;since=&amp;top=&amp;continuation=</c>: incidents newest first, one page, with the
    /// continuation for the next (<see cref="IIncidentStore.ListAsync"/>). Bad parameters: 400 problem+json naming each.
    /// </summary>
    public async Task<IResult> ListAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (IncidentListRequest.TryParse(query, out var errors) is not { } request)
        {
            return Problems.BadRequest("Bad incident list query.", errors);
        }

        return await DependencyFailures.GuardAsync(async token =>
        {
            var page = await _store.ListAsync(request, token).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            return Results.Json(new
            {
                items = page.Items.Select(i => new
                {
                    incidentId = i.IncidentId,
                    status = i.Status.ToString(),
                    closed = i.IsClosedAt(now),
                    summary = i.Summary,
                    targetResourceId = i.TargetResourceId,
                    app = ResourceIds.TryParse(i.TargetResourceId, out var id) ? id!.DisplayName : i.TargetResourceId,
                    alertRule = i.AlertRule,
                    severity = i.Severity,
                    createdAt = i.CreatedAt,
                    updatedAt = i.UpdatedAt,
                    href = "/api/incidents/" + i.IncidentId,
                }),
                continuation = page.Continuation,
                next = page.Continuation is { } next ? NextLink(query, next) : null,
            });
        }, _options.Value.DependencyTimeout, "Incident storage", _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/incidents/{id}/export</c>: the incident as a Markdown postmortem (<see cref="IncidentExport"/>),
    /// <c>text/markdown</c>, offered as a download; 400 for a malformed id, 404 problem+json when unknown.
    /// </summary>
    public async Task<IResult> ExportAsync(string? incidentId, CancellationToken cancellationToken)
    {
        if (IncidentIds.ProblemIfMalformed(incidentId) is { } malformed)
        {
            return malformed;
        }

        return await DependencyFailures.GuardAsync(async token =>
        {
            var incident = await _store.GetAsync(incidentId!, token).ConfigureAwait(false);
            if (incident is null)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "Incident not found.", $"No incident '{incidentId}' exists.");
            }

            incident = await _store.WithRepeatsAsync(incident, token).ConfigureAwait(false);
            var timeline = await _store.GetTimelineAsync(incidentId!, token).ConfigureAwait(false);
            // The id is in the exact grammar IncidentIds checks, so it is safe in a file name.
            return new MarkdownDownload(IncidentExport.Markdown(incident, timeline), $"{incidentId}-postmortem.md");
        }, _options.Value.DependencyTimeout, "Incident storage", _logger, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IResult> ReadAsync(string incidentId, DurableTaskClient? client, CancellationToken cancellationToken)
    {
        var incident = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
        if (incident is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Incident not found.", $"No incident '{incidentId}' exists.");
        }

        var closed = incident.IsClosedAt(_time.GetUtcNow());
        if (client is not null && !closed && incident.Status != IncidentStatus.Received)
        {
            try
            {
                WorkflowLiveness workflow;
                (incident, workflow) = await _reconciler.ReconcileAsync(incident, client, cancellationToken).ConfigureAwait(false);
                // An escalated incident is live only while its workflow holds it: one that was terminated
                // in its hold is closed, whatever the stored end of the hold says.
                closed = incident.IsClosedAt(_time.GetUtcNow()) || (incident.Status == IncidentStatus.Escalated && !workflow.Running);
            }
            catch (Exception ex) when (DependencyFailures.IsTransient(ex))
            {
                // The backend cannot be asked right now: show the incident as stored; the next look repairs it.
            }
        }

        // Repeats are rows of their own (insert-only on the ingest path), counted here when read.
        incident = await _store.WithRepeatsAsync(incident, cancellationToken).ConfigureAwait(false);
        var timeline = await _store.GetTimelineAsync(incidentId, cancellationToken).ConfigureAwait(false);
        return Results.Json(new
        {
            incidentId = incident.IncidentId,
            status = incident.Status.ToString(),
            closed,
            summary = incident.Summary,
            targetResourceId = incident.TargetResourceId,
            alertId = incident.AlertId,
            alertRule = incident.AlertRule,
            severity = incident.Severity,
            createdAt = incident.CreatedAt,
            updatedAt = incident.UpdatedAt,
            repeatCount = incident.RepeatCount,
            repeatCountCapped = incident.RepeatCountCapped,
            lastRepeatAt = incident.LastRepeatAt,
            alertRules = incident.AlertRules,
            recurrence = incident.Recurrence,
            earlierIncidents = incident.EarlierIncidents,
            pendingApproval = incident.PendingApproval,
            liveUntil = closed ? null : incident.LiveUntil,
            timeline = timeline.Select(t => new { at = t.At, kind = t.Kind, message = t.Message, source = t.Sequence != TimelineEntry.ExternalSequence ? "workflow" : TimelineKinds.IsByPerson(t.Kind) ? "person" : "azure" }),
        });
    }

    // The same filters with the new continuation; the function key (code) is left out: a link is not a place for it.
    private static string NextLink(IQueryCollection query, string continuation)
    {
        var parameters = query.Where(p => p.Key is not ("continuation" or "code")).Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString()))
            .Append(KeyValuePair.Create("continuation", (string?)continuation));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/api/incidents", parameters);
    }

    private sealed class MarkdownDownload(string markdown, string fileName) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/markdown; charset=utf-8";
            response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            response.Headers.XContentTypeOptions = "nosniff";
            return response.WriteAsync(markdown, System.Text.Encoding.UTF8, httpContext.RequestAborted);
        }
    }
}

using AutoRemediate.Http;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Ingest;

/// <summary>
/// <c>POST</c> and <c>OPTIONS /api/events</c> for both hosts. Success is 200 (Event Grid counts
/// 200–204; the validation handshake must be 200, not 202). A malformed delivery gets 400 and
/// nothing of it is processed (Event Grid does not retry 400: it dead-letters the delivery when
/// dead-lettering is configured). 503 when storage or the workflow backend is down (retried).
/// </summary>
public sealed class EventsEndpoint
{
    private readonly EventIngestor _ingestor;
    private readonly WebhookReader _reader;
    private readonly IOptions<IngestOptions> _options;
    private readonly ILogger<EventsEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public EventsEndpoint(EventIngestor ingestor, WebhookReader reader, IOptions<IngestOptions> options, ILogger<EventsEndpoint> logger)
    {
        _ingestor = ingestor;
        _reader = reader;
        _options = options;
        _logger = logger;
    }

    /// <summary>The CloudEvents 1.0 webhook abuse-protection handshake (an OPTIONS request).</summary>
    public static IResult Options(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = request.Headers["WebHook-Request-Origin"].ToString();
        if (string.IsNullOrWhiteSpace(origin))
        {
            return Problems.BadRequest("Missing WebHook-Request-Origin.",
                [new InputError("WebHook-Request-Origin", "The CloudEvents validation request must name its origin (e.g. eventgrid.azure.net).")]);
        }

        request.HttpContext.Response.Headers["WebHook-Allowed-Origin"] = origin;
        request.HttpContext.Response.Headers["WebHook-Allowed-Rate"] = "*";
        request.HttpContext.Response.Headers.Allow = "POST, OPTIONS";
        return Results.Ok();
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
        var delivery = EventIngestor.Parse(body, limits.MaxEventsPerDelivery, limits.MaxTargetsPerAlert);
        if (delivery.Errors.Count > 0)
        {
            Log.EventsRejected(_logger, string.Join("; ", delivery.Errors.Select(e => $"{e.Field}: {e.Message}")));
            return Problems.BadRequest("The Event Grid delivery is malformed; none of it was processed.", delivery.Errors);
        }

        if (delivery.ValidationCode is { } code)
        {
            Log.SubscriptionValidated(_logger, delivery.Events[0].Id);
            return Results.Json(new { validationResponse = code }, statusCode: StatusCodes.Status200OK);
        }

        return await DependencyFailures.GuardAsync(
            async token =>
            {
                var outcomes = await _ingestor.IngestAsync(delivery, client, token).ConfigureAwait(false);
                return Results.Json(new
                {
                    received = outcomes.Count,
                    results = outcomes.Select(o => new { id = o.Id, eventType = o.Type, disposition = o.Disposition.ToString(), incidentId = o.IncidentId, reason = o.Reason }),
                });
            },
            limits.DependencyTimeout, "Incident storage or the workflow backend", _logger, cancellationToken).ConfigureAwait(false);
    }
}

using System.Text.Json;
using AutoRemediate.Approvals;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Workflow;

/// <summary>
/// <c>POST /api/incidents/{id}/cancel</c> for both hosts. Optional body: <c>{"reason":"..."}</c>. Who cancels
/// is established as for decisions (<see cref="DecisionAuthenticator"/>: an Entra ID user token with the approver
/// role, or the DevHost's unverified local operator), never taken from the body. Hands the cancel to
/// <see cref="IncidentCancellation"/> and maps the outcome: 202 pointing at the incident, 404 when unknown,
/// 409 naming the final state, an earlier cancel or the decision that came first.
/// </summary>
public sealed class CancelEndpoint
{
    /// <summary>The largest body accepted: a reason and a little JSON around it.</summary>
    public const int MaxBodyBytes = 4096;

    private readonly DecisionAuthenticator _auth;
    private readonly IncidentCancellation _cancellation;
    private readonly IOptions<IngestOptions> _options;
    private readonly ILogger<CancelEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public CancelEndpoint(DecisionAuthenticator auth, IncidentCancellation cancellation, IOptions<IngestOptions> options, ILogger<CancelEndpoint> logger)
    {
        _auth = auth;
        _cancellation = cancellation;
        _options = options;
        _logger = logger;
    }

    /// <summary>Handles one request.</summary>
    public async Task<IResult> HandleAsync(HttpRequest request, string? incidentId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (maker, denied) = await _auth.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
        if (maker is null)
        {
            return denied!;
        }

        if (IncidentIds.ProblemIfMalformed(incidentId) is { } malformed)
        {
            return malformed;
        }

        string? reason = null;
        // No body at all is a cancel without a reason; anything else must be the JSON object.
        if (!(string.IsNullOrEmpty(request.ContentType) && request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any()))
        {
            var (body, problem) = await RequestBody.ReadJsonAsync(request, Math.Min(MaxBodyBytes, _options.Value.MaxBodyBytes), cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            var errors = new List<InputError>();
            reason = Parse(body, errors);
            if (errors.Count > 0)
            {
                return Problems.BadRequest("The cancel request is not valid.", errors);
            }
        }

        return await DependencyFailures.GuardAsync(
            async token => Answer(request, incidentId!, await _cancellation.CancelAsync(incidentId!, maker.Name, reason, client, token).ConfigureAwait(false)),
            _options.Value.DependencyTimeout, "Incident storage or the workflow backend", _logger, cancellationToken).ConfigureAwait(false);
    }

    private static IResult Answer(HttpRequest request, string incidentId, CancelOutcome outcome)
    {
        switch (outcome.Disposition)
        {
            case CancelDisposition.Accepted or CancelDisposition.CancelledNow:
                // Absolute, like the alerts endpoint's statusUrl (the id is in IncidentIds' exact grammar).
                var location = $"{request.Scheme}://{request.Host}{request.PathBase}/api/incidents/{incidentId}";
                request.HttpContext.Response.Headers.Location = location;
                return Results.Json(
                    new { status = outcome.Disposition == CancelDisposition.CancelledNow ? "cancelled" : "cancelling", incidentId, statusUrl = location, detail = outcome.Detail },
                    statusCode: StatusCodes.Status202Accepted);
            case CancelDisposition.IncidentNotFound:
                return Problems.Status(StatusCodes.Status404NotFound, "Incident not found.", outcome.Detail);
            default:
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, detail: outcome.Detail,
                    title: outcome.Disposition switch
                    {
                        CancelDisposition.AlreadyRequested => "A cancel was already requested.",
                        CancelDisposition.DecisionWon => "An approver decided first.",
                        _ => "The incident is already closed.",
                    },
                    extensions: new Dictionary<string, object?>
                    {
                        ["reason"] = outcome.Disposition.ToString(),
                        ["incidentStatus"] = outcome.Incident?.Status.ToString(),
                    });
        }
    }

    private static string? Parse(ReadOnlyMemory<byte> body, List<InputError> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            errors.Add(new InputError("body", $"Not valid JSON: {ex.Message}"));
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new InputError("body", "Send a JSON object, e.g. {\"reason\":\"deploying a fix\"}, or no body."));
                return null;
            }

            if (!document.RootElement.TryGetProperty("reason", out var r) || r.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var reason = r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (reason is null || reason.Length > IncidentCancellation.MaxReasonLength || !InputText.IsClean(reason))
            {
                errors.Add(new InputError("reason", $"Optional text of at most {IncidentCancellation.MaxReasonLength} characters, without control characters."));
                return null;
            }

            return string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        }
    }
}

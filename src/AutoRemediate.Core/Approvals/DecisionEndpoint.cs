using System.Text.Json;
using AutoRemediate.Alerts;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Approvals;

/// <summary>
/// <c>POST /api/incidents/{id}/decision</c> for both hosts: an approver's decision on the plan an incident
/// waits on. Body: <c>{"approvalId":"...","approve":true|false,"approver":"name@contoso.com","comment":"..."}</c>.
/// Authenticated like the webhooks (function key, plus Entra bearer tokens when configured). The
/// decision is forwarded only while the incident waits on exactly that request; anything else is a
/// clear 4xx and changes nothing.
/// </summary>
public sealed class DecisionEndpoint
{
    private const int MaxApproverLength = 256;
    private const int MaxCommentLength = 1000;
    private readonly WebhookReader _reader;
    private readonly IIncidentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<DecisionEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public DecisionEndpoint(WebhookReader reader, IIncidentStore store, TimeProvider time, ILogger<DecisionEndpoint> logger)
    {
        _reader = reader;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Handles one request.</summary>
    public async Task<IResult> HandleAsync(HttpRequest request, string? incidentId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (body, problem) = await _reader.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!IncidentIds.IsWellFormed(incidentId))
        {
            return Problems.BadRequest("Malformed incident id.", [new InputError("id", "Incident ids look like inc-20250415-0123456789abcdef.")]);
        }

        var (decision, errors) = Parse(body);
        if (decision is null)
        {
            return Problems.BadRequest("The decision is not valid.", errors);
        }

        try
        {
            var incident = await _store.GetAsync(incidentId!, cancellationToken).ConfigureAwait(false);
            if (incident is null)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "Incident not found.", $"No incident '{incidentId}' exists.");
            }

            if (incident.Status != IncidentStatus.AwaitingApproval || incident.PendingApproval is null)
            {
                return Problems.Status(StatusCodes.Status409Conflict, "The incident is not waiting for a decision.",
                    $"Incident '{incidentId}' is {incident.Status}; there is nothing to approve or reject now.");
            }

            if (!string.Equals(incident.PendingApproval, decision.Value.ApprovalId, StringComparison.Ordinal))
            {
                return Problems.Status(StatusCodes.Status409Conflict, "This approval request is no longer open.",
                    $"Incident '{incidentId}' waits on approval '{incident.PendingApproval}', not '{decision.Value.ApprovalId}'.");
            }

            var (approvalId, approve, approver, comment) = decision.Value;
            await client.RaiseEventAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), EventNames.ApprovalDecision,
                new ApprovalDecisionEvent(incident.IncidentId, approvalId, approve, approver, comment, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            Log.ApprovalForwarded(_logger, incident.IncidentId, approvalId, approve);
            return Results.Json(new { status = "forwarded", incidentId = incident.IncidentId, approvalId, approved = approve, approver }, statusCode: StatusCodes.Status202Accepted);
        }
        catch (Exception ex) when (DependencyFailures.IsTransient(ex))
        {
            Log.DependencyUnavailable(_logger, ex.GetType().Name, ex.Message);
            return DependencyFailures.Unavailable("Incident storage or the workflow backend cannot take the decision right now; send it again.");
        }
    }

    private static ((string ApprovalId, bool Approve, string Approver, string? Comment)? Decision, List<InputError> Errors) Parse(ReadOnlyMemory<byte> body)
    {
        var errors = new List<InputError>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            errors.Add(new InputError("body", $"Not valid JSON: {ex.Message}"));
            return (null, errors);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new InputError("body", "Send a JSON object."));
                return (null, errors);
            }

            var approvalId = root.TryGetProperty("approvalId", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            if (string.IsNullOrWhiteSpace(approvalId) || approvalId.Length > 100)
            {
                errors.Add(new InputError("approvalId", "Required: the approval id from the ApprovalRequested timeline entry."));
            }

            bool? approve = root.TryGetProperty("approve", out var p) && p.ValueKind is JsonValueKind.True or JsonValueKind.False ? p.GetBoolean() : null;
            if (approve is null)
            {
                errors.Add(new InputError("approve", "Required: true to carry out the plan, false to reject it."));
            }

            var approver = root.TryGetProperty("approver", out var who) && who.ValueKind == JsonValueKind.String ? who.GetString()?.Trim() : null;
            if (string.IsNullOrEmpty(approver) || approver.Length > MaxApproverLength || approver.Any(char.IsControl))
            {
                errors.Add(new InputError("approver", $"Required: who decides (1-{MaxApproverLength} printable characters), recorded on the timeline."));
            }

            string? comment = null;
            if (root.TryGetProperty("comment", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                comment = c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                if (comment is null || comment.Length > MaxCommentLength)
                {
                    errors.Add(new InputError("comment", $"Optional text of at most {MaxCommentLength} characters."));
                }
            }

            return errors.Count > 0 ? (null, errors) : ((approvalId!, approve!.Value, approver!, comment), errors);
        }
    }
}

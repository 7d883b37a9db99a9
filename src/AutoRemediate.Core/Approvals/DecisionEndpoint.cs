using System.Text.Json;
using AutoRemediate.Decisions;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Approvals;

/// <summary>
/// <c>POST /api/incidents/{id}/decision</c> for both hosts: an approver's decision on the plan an incident
/// waits on. Body: <c>{"approvalId":"...","approve":true|false,"approver":"name@contoso.com","comment":"..."}</c>.
/// Authenticated like the webhooks (function key, plus Entra bearer tokens when configured). Reads the
/// request, hands it to <see cref="ApprovalDecisions"/>, and maps the outcome: 202 for the one decision
/// that claimed the request, 409 naming the winner, the expiry or the stopped workflow otherwise.
/// </summary>
public sealed class DecisionEndpoint
{
    private const int MaxApproverLength = 256;
    private const int MaxCommentLength = 1000;
    private readonly WebhookReader _reader;
    private readonly ApprovalDecisions _decisions;
    private readonly IOptions<IngestOptions> _options;
    private readonly ILogger<DecisionEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public DecisionEndpoint(WebhookReader reader, ApprovalDecisions decisions, IOptions<IngestOptions> options, ILogger<DecisionEndpoint> logger)
    {
        _reader = reader;
        _decisions = decisions;
        _options = options;
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

        if (IncidentIds.ProblemIfMalformed(incidentId) is { } malformed)
        {
            return malformed;
        }

        var (decision, errors) = Parse(body);
        if (decision is null)
        {
            return Problems.BadRequest("The decision is not valid.", errors);
        }

        var (approvalId, approve, approver, comment) = decision.Value;
        return await DependencyFailures.GuardAsync(
            async token => Answer(incidentId!, decision.Value, await _decisions.DecideAsync(incidentId!, new DecisionRequest(approvalId, approve, approver, comment), client, token).ConfigureAwait(false)),
            _options.Value.DependencyTimeout, "Incident storage or the workflow backend", _logger, cancellationToken).ConfigureAwait(false);
    }

    private static IResult Answer(string incidentId, (string ApprovalId, bool Approve, string Approver, string? Comment) decision, DecisionOutcome outcome)
    {
        var (approvalId, approve, approver, _) = decision;
        return outcome.Disposition switch
        {
            DecisionDisposition.Forwarded => Results.Json(
                new { status = "forwarded", incidentId, approvalId, approved = approve, approver, decidedAt = outcome.Approval?.DecidedAt }, statusCode: StatusCodes.Status202Accepted),
            DecisionDisposition.IncidentNotFound => Problems.Status(StatusCodes.Status404NotFound, "Incident not found.", outcome.Detail),
            DecisionDisposition.UnknownRequest => Conflict("This approval request is not open on the incident.", outcome),
            DecisionDisposition.AlreadyDecided => Conflict("Already decided.", outcome),
            DecisionDisposition.TimedOut => Conflict("The approval request timed out.", outcome),
            DecisionDisposition.Withdrawn => Conflict("The approval request is no longer needed.", outcome),
            _ => Conflict("The incident's workflow is no longer running.", outcome),
        };
    }

    // 409 with the request's state, and who decided it when somebody did, as fields a client can read.
    private static IResult Conflict(string title, DecisionOutcome outcome) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: outcome.Detail, extensions: new Dictionary<string, object?>
        {
            ["reason"] = outcome.Disposition.ToString(),
            ["incidentStatus"] = outcome.Incident?.Status.ToString(),
            ["approvalState"] = outcome.Approval?.State.ToString(),
            ["decidedBy"] = outcome.Approval?.DecidedBy,
            ["decidedAt"] = outcome.Approval?.DecidedAt,
        });

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
            if (string.IsNullOrWhiteSpace(approvalId) || approvalId.Length > 100 || !InputText.IsClean(approvalId))
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

                // Free text for the timeline: control characters become spaces.
                comment = InputText.Clean(comment, MaxCommentLength);
            }

            return errors.Count > 0 ? (null, errors) : ((approvalId!, approve!.Value, approver!, comment), errors);
        }
    }
}

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
/// waits on. Body: <c>{"approvalId":"...","approve":true|false,"comment":"..."}</c>. The function key gets the
/// request in; who decides comes from <see cref="DecisionAuthenticator"/> (an Entra ID user token with the
/// approver role, or the DevHost's unverified local operator), never from the body (an <c>approver</c> field
/// is ignored). Hands the decision to <see cref="ApprovalDecisions"/> and maps the outcome: 202 for the one
/// decision that claimed the request, 409 naming the winner, the expiry or the stopped workflow otherwise.
/// </summary>
public sealed class DecisionEndpoint
{
    private const int MaxCommentLength = 1000;
    private readonly DecisionAuthenticator _auth;
    private readonly ApprovalDecisions _decisions;
    private readonly IOptions<IngestOptions> _options;
    private readonly ILogger<DecisionEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public DecisionEndpoint(DecisionAuthenticator auth, ApprovalDecisions decisions, IOptions<IngestOptions> options, ILogger<DecisionEndpoint> logger)
    {
        _auth = auth;
        _decisions = decisions;
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

        var (body, problem) = await RequestBody.ReadJsonAsync(request, _options.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
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

        var (approvalId, approve, comment) = decision.Value;
        return await DependencyFailures.GuardAsync(
            async token => Answer(incidentId!, (approvalId, approve, maker.Name, comment),
                await _decisions.DecideAsync(incidentId!, new DecisionRequest(approvalId, approve, maker.Name, comment), client, token).ConfigureAwait(false)),
            _options.Value.DependencyTimeout, "Incident storage or the workflow backend", _logger, cancellationToken).ConfigureAwait(false);
    }

    private static IResult Answer(string incidentId, (string ApprovalId, bool Approve, string Approver, string? Comment) decision, DecisionOutcome outcome)
    {
        var (approvalId, approve, approver, _) = decision;
        return outcome.Disposition switch
        {
            DecisionDisposition.Forwarded => Results.Json(
                new { status = "forwarded", incidentId, approvalId, approved = approve, approver = outcome.Approval?.DecidedBy ?? approver, decidedAt = outcome.Approval?.DecidedAt },
                statusCode: StatusCodes.Status202Accepted),
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

    private static ((string ApprovalId, bool Approve, string? Comment)? Decision, List<InputError> Errors) Parse(ReadOnlyMemory<byte> body)
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

            // "approver" is not read: who decides is who signed in (DecisionAuthenticator), not what the body says.
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

            return errors.Count > 0 ? (null, errors) : ((approvalId!, approve!.Value, comment), errors);
        }
    }
}

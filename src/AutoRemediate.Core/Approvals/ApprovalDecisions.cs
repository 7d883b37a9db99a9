using System.Globalization;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Approvals;

/// <summary>How a decision was received.</summary>
public enum DecisionDisposition
{
    /// <summary>This decision won the claim and was sent to the workflow.</summary>
    Forwarded,

    /// <summary>No such incident.</summary>
    IncidentNotFound,

    /// <summary>The incident has no approval request of that id.</summary>
    UnknownRequest,

    /// <summary>Somebody else decided first (or the same approver, differently).</summary>
    AlreadyDecided,

    /// <summary>The request expired before this decision.</summary>
    TimedOut,

    /// <summary>The request is no longer needed (the alert resolved, or the incident was cancelled).</summary>
    Withdrawn,

    /// <summary>No workflow runs for the incident any more; nothing would act on a decision.</summary>
    WorkflowStopped,
}

/// <summary>One decision as an approver sends it.</summary>
/// <param name="ApprovalId">The request decided on.</param>
/// <param name="Approve">True to carry out the plan.</param>
/// <param name="Approver">Who decides.</param>
/// <param name="Comment">Why, if they say.</param>
/// <param name="From">The client address the decision came from (an approval link), when known.</param>
public sealed record DecisionRequest(string ApprovalId, bool Approve, string Approver, string? Comment, string? From = null);

/// <summary>What became of a decision.</summary>
/// <param name="Disposition">The outcome.</param>
/// <param name="Detail">In words, naming who decided first or when it timed out.</param>
/// <param name="Incident">The incident, when it exists.</param>
/// <param name="Approval">The request as it now stands, when it exists.</param>
public sealed record DecisionOutcome(DecisionDisposition Disposition, string Detail, IncidentRecord? Incident = null, ApprovalRecord? Approval = null);

/// <summary>
/// The Core entry point behind <c>POST /api/incidents/{id}/decision</c>. A decision counts only once it
/// has claimed the pending request with a conditional write: of two approvers deciding at once exactly
/// one wins, and the other is told who did. The claim comes before the event, so a decision the
/// workflow has not heard of yet (the event was lost, or overtaken by the expiry timer) is still the
/// one it acts on: the workflow reads the claim when it stops waiting.
/// </summary>
public sealed class ApprovalDecisions
{
    private readonly IIncidentStore _store;
    private readonly IApprovalStore _approvals;
    private readonly IncidentReconciler _reconciler;
    private readonly TimeProvider _time;
    private readonly ILogger<ApprovalDecisions> _logger;

    /// <summary>Creates the service.</summary>
    public ApprovalDecisions(IIncidentStore store, IApprovalStore approvals, IncidentReconciler reconciler, TimeProvider time, ILogger<ApprovalDecisions> logger)
    {
        _store = store;
        _approvals = approvals;
        _reconciler = reconciler;
        _time = time;
        _logger = logger;
    }

    /// <summary>Claims and forwards one decision, or says why not. Storage and backend failures are thrown (the caller answers 503).</summary>
    public async Task<DecisionOutcome> DecideAsync(string incidentId, DecisionRequest decision, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(client);
        var incident = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
        if (incident is null)
        {
            return new DecisionOutcome(DecisionDisposition.IncidentNotFound, $"No incident '{incidentId}' exists.");
        }

        // A decision's log lines carry the incident and app like the workflow's.
        using var logScope = IncidentLogScope.Begin(_logger, incidentId, incident.TargetResourceId);
        var approval = await _approvals.GetAsync(incidentId, decision.ApprovalId, cancellationToken).ConfigureAwait(false);
        if (approval is null)
        {
            var open = incident.PendingApproval is { } pending ? $"it waits on approval '{pending}'" : $"it is {incident.Status} and waits on no approval";
            return Refused(new DecisionOutcome(DecisionDisposition.UnknownRequest,
                $"Incident '{incidentId}' has no approval request '{decision.ApprovalId}'; {open}.", incident), decision);
        }

        var now = _time.GetUtcNow();
        if (approval.State == ApprovalState.Pending)
        {
            if (now >= approval.ExpiresAt)
            {
                // The workflow's timer may not have fired yet; it will find no claim and time out.
                return Refused(TimedOut(incident, approval), decision);
            }

            var (incidentNow, workflow) = await _reconciler.ReconcileAsync(incident, client, cancellationToken).ConfigureAwait(false);
            if (!workflow.Running)
            {
                return Refused(new DecisionOutcome(DecisionDisposition.WorkflowStopped,
                    $"No workflow is running for incident '{incidentId}' any more ({workflow.Description}); nothing would act on the decision. The incident is {incidentNow.Status}.",
                    incidentNow, approval), decision);
            }

            (var won, approval) = await _approvals.TryDecideAsync(approval, decision.Approve, decision.Approver, decision.Comment, now, decision.From, cancellationToken).ConfigureAwait(false);
            if (won)
            {
                await RaiseAsync(client, incident, approval, cancellationToken).ConfigureAwait(false);
                Log.ApprovalForwarded(_logger, incidentId, decision.ApprovalId, decision.Approve);
                return new DecisionOutcome(DecisionDisposition.Forwarded, $"{(decision.Approve ? "Approved" : "Rejected")} by {decision.Approver}; the workflow was told.", incident, approval);
            }
        }

        if (approval.IsDecided)
        {
            if (SameDecision(approval, decision) && string.Equals(incident.PendingApproval, approval.ApprovalId, StringComparison.Ordinal))
            {
                // The same approver sending the same decision again while the workflow has not taken it
                // yet: a retry after a 503 (the claim went through, the event perhaps not). Send it again;
                // the workflow acts on one decision per request and skips the copy.
                await RaiseAsync(client, incident, approval, cancellationToken).ConfigureAwait(false);
                return new DecisionOutcome(DecisionDisposition.Forwarded, $"{(decision.Approve ? "Approved" : "Rejected")} by {decision.Approver} (already recorded); the workflow was told.", incident, approval);
            }

            return Refused(new DecisionOutcome(DecisionDisposition.AlreadyDecided,
                $"Already decided: {(approval.State == ApprovalState.Approved ? "approved" : "rejected")} by {approval.DecidedBy} at {Format(approval.DecidedAt)}.", incident, approval), decision);
        }

        return Refused(approval.State == ApprovalState.TimedOut
            ? TimedOut(incident, approval)
            : new DecisionOutcome(DecisionDisposition.Withdrawn,
                $"Approval '{approval.ApprovalId}' is no longer needed: it was withdrawn at {Format(approval.DecidedAt)} (the alert resolved, or the incident was cancelled, before anyone decided).", incident, approval), decision);
    }

    private static DecisionOutcome TimedOut(IncidentRecord incident, ApprovalRecord approval) =>
        new(DecisionDisposition.TimedOut, $"Approval '{approval.ApprovalId}' timed out at {Format(approval.ExpiresAt)}; nothing was done, and a decision now changes nothing.", incident, approval);

    private static bool SameDecision(ApprovalRecord approval, DecisionRequest decision) =>
        string.Equals(approval.DecidedBy, decision.Approver, StringComparison.OrdinalIgnoreCase) && (approval.State == ApprovalState.Approved) == decision.Approve;

    private static string Format(DateTimeOffset? at) => at?.ToString("u", CultureInfo.InvariantCulture) ?? "an unknown time";

    private static Task RaiseAsync(DurableTaskClient client, IncidentRecord incident, ApprovalRecord approval, CancellationToken cancellationToken) =>
        client.RaiseEventAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), EventNames.ApprovalDecision,
            new ApprovalDecisionEvent(incident.IncidentId, approval.ApprovalId, approval.State == ApprovalState.Approved, approval.DecidedBy ?? "unknown", approval.Comment,
                approval.DecidedAt ?? DateTimeOffset.MinValue, approval.From), cancellationToken);

    private DecisionOutcome Refused(DecisionOutcome outcome, DecisionRequest decision)
    {
        Log.DecisionRefused(_logger, outcome.Incident?.IncidentId ?? "unknown", decision.ApprovalId, outcome.Disposition.ToString());
        return outcome;
    }
}

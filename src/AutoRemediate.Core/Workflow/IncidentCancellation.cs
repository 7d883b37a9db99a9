using System.Globalization;
using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Workflow;

/// <summary>How a cancel was received.</summary>
public enum CancelDisposition
{
    /// <summary>The workflow was told; it stops at its next step and closes the incident Cancelled.</summary>
    Accepted,

    /// <summary>The incident had not started its workflow; it was closed Cancelled at once.</summary>
    CancelledNow,

    /// <summary>No such incident.</summary>
    IncidentNotFound,

    /// <summary>The incident is already closed (Resolved, Escalated, Cancelled); nothing was changed.</summary>
    AlreadyClosed,

    /// <summary>A cancel was already requested; the workflow is stopping.</summary>
    AlreadyRequested,

    /// <summary>An approver decided the pending request first; that decision stands.</summary>
    DecisionWon,
}

/// <summary>What became of a cancel.</summary>
/// <param name="Disposition">The outcome.</param>
/// <param name="Detail">In words: the final state, who decided first, or what happens next.</param>
/// <param name="Incident">The incident as it now stands, when it exists.</param>
public sealed record CancelOutcome(CancelDisposition Disposition, string Detail, IncidentRecord? Incident = null);

/// <summary>
/// The Core entry point behind <c>POST /api/incidents/{id}/cancel</c>. A running workflow is sent
/// <see cref="EventNames.CancelRequested"/> and stops at its next step (the activity in flight finishes
/// first, so no action is left half-done). A pending approval request is withdrawn here, with the same
/// conditional write an approver's claim uses: of a cancel and a decision racing, exactly one wins, and
/// the loser is told who won. An incident whose workflow has not started (Received) is closed Cancelled at
/// once, conditional on the row it read; the workflow, if it starts later, finds it Cancelled and does nothing.
/// </summary>
public sealed class IncidentCancellation
{
    /// <summary>The longest reason kept (it travels in the orchestration history).</summary>
    public const int MaxReasonLength = 500;

    private const int MaxAttempts = 3;
    private readonly IIncidentStore _store;
    private readonly IApprovalStore _approvals;
    private readonly IncidentReconciler _reconciler;
    private readonly TimeProvider _time;
    private readonly ILogger<IncidentCancellation> _logger;

    /// <summary>Creates the service.</summary>
    public IncidentCancellation(IIncidentStore store, IApprovalStore approvals, IncidentReconciler reconciler, TimeProvider time, ILogger<IncidentCancellation> logger)
    {
        _store = store;
        _approvals = approvals;
        _reconciler = reconciler;
        _time = time;
        _logger = logger;
    }

    /// <summary>Cancels <paramref name="incidentId"/> on behalf of <paramref name="by"/>, or says why not. Storage and backend failures are thrown (the caller answers 503).</summary>
    public async Task<CancelOutcome> CancelAsync(string incidentId, string by, string? reason, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(by);
        ArgumentNullException.ThrowIfNull(client);
        reason = InputText.Clean(reason, MaxReasonLength);
        for (var attempt = 1; ; attempt++)
        {
            var incident = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
            if (incident is null)
            {
                return Refused(incidentId, new CancelOutcome(CancelDisposition.IncidentNotFound, $"No incident '{incidentId}' exists."));
            }

            // A cancel's log lines carry the incident and app like the workflow's.
            using var logScope = IncidentLogScope.Begin(_logger, incidentId, incident.TargetResourceId);

            if (incident.HasFinalStatus)
            {
                return Refused(incidentId, Closed(incident));
            }

            var now = _time.GetUtcNow();
            var cancel = new CancelRequestedEvent(incidentId, by, reason, now);
            if (incident.Status == IncidentStatus.Received)
            {
                var workflow = await IncidentReconciler.GetLivenessAsync(incident, client, cancellationToken).ConfigureAwait(false);
                if (!workflow.Running && incident.ETag is { } etag)
                {
                    // No workflow for it yet (or the backend was down when it arrived): close it here. The
                    // write is conditional: a workflow that opened it meanwhile wins, and is told below instead.
                    var summary = TimelineText.CancelledSummary(cancel, TimelineText.NothingDone);
                    if (await _store.TryCloseAsync(incidentId, etag, IncidentStatus.Cancelled, summary, now, cancellationToken).ConfigureAwait(false))
                    {
                        await _store.AppendExternalAsync(incidentId, incidentId + ":cancelled", now, TimelineKinds.IncidentCancelled, summary, cancellationToken).ConfigureAwait(false);
                        Log.CancelledBeforeStart(_logger, incidentId);
                        return new CancelOutcome(CancelDisposition.CancelledNow, summary, await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false) ?? incident);
                    }

                    if (attempt < MaxAttempts)
                    {
                        continue;
                    }
                }
            }
            else
            {
                var (current, workflow) = await _reconciler.ReconcileAsync(incident, client, cancellationToken).ConfigureAwait(false);
                if (!workflow.Running)
                {
                    // The reconciler closed it (Escalated) when no workflow runs for it any more.
                    return Refused(incidentId, current.HasFinalStatus ? Closed(current)
                        : new CancelOutcome(CancelDisposition.AlreadyClosed, $"No workflow runs for incident '{incidentId}' any more ({workflow.Description}); nothing would stop.", current));
                }

                var timeline = await _store.GetTimelineAsync(incidentId, cancellationToken).ConfigureAwait(false);
                if (timeline.FirstOrDefault(t => t.Kind == TimelineKinds.CancelRequested) is { } earlier)
                {
                    return Refused(incidentId, new CancelOutcome(CancelDisposition.AlreadyRequested,
                        $"Already cancelled: {earlier.Message} The workflow stops at its next step.", current));
                }

                if (current.PendingApproval is { } approvalId
                    && await _approvals.CloseAsync(incidentId, approvalId, ApprovalState.Withdrawn, now, cancellationToken).ConfigureAwait(false) is { IsDecided: true } decided)
                {
                    // The approver's claim came first: that decision stands, and the workflow acts on it.
                    return Refused(incidentId, new CancelOutcome(CancelDisposition.DecisionWon,
                        $"Approval '{approvalId}' was already {(decided.State == ApprovalState.Approved ? "approved" : "rejected")} by {decided.DecidedBy} at {Format(decided.DecidedAt)}; " +
                        "that decision stands. Cancel again once the incident shows it, to stop what follows.", current));
                }
            }

            // Recorded before the event: the timeline names who and why even if the workflow only sees it later.
            await _store.AppendExternalAsync(incidentId, incidentId + ":cancel-requested", now, TimelineKinds.CancelRequested, TimelineText.CancelRequested(cancel), cancellationToken).ConfigureAwait(false);

            await client.RaiseEventAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), EventNames.CancelRequested, cancel, cancellationToken).ConfigureAwait(false);
            Log.CancelAccepted(_logger, incidentId, incident.Status.ToString());
            return new CancelOutcome(CancelDisposition.Accepted,
                $"Cancelled by {by}; the workflow stops at its next step (an action in flight finishes first) and the incident ends Cancelled.", incident);
        }
    }

    private static CancelOutcome Closed(IncidentRecord incident) =>
        new(CancelDisposition.AlreadyClosed, $"Incident '{incident.IncidentId}' is already closed: {incident.Status}. {incident.Summary}", incident);

    private static string Format(DateTimeOffset? at) => at?.ToString("u", CultureInfo.InvariantCulture) ?? "an unknown time";

    private CancelOutcome Refused(string incidentId, CancelOutcome outcome)
    {
        Log.CancelRefused(_logger, incidentId, outcome.Disposition.ToString());
        return outcome;
    }
}

using System.Globalization;
using AutoRemediate.Actions;
using AutoRemediate.Decisions;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;

namespace AutoRemediate.Approvals;

/// <summary>The approval bookkeeping: the incident row says which request it waits on, the timeline says what was asked and what came of it.</summary>
public sealed class ApprovalActivities
{
    private readonly IIncidentStore _store;
    private readonly IApprovalStore _approvals;

    /// <summary>Creates the activities.</summary>
    public ApprovalActivities(IIncidentStore store, IApprovalStore approvals)
    {
        _store = store;
        _approvals = approvals;
    }

    /// <summary>
    /// <see cref="ActivityNames.RequestApproval"/>. Idempotent: same rows, same values (a decision
    /// already claimed on the request is left alone).
    /// </summary>
    public async Task<bool> RequestAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var d = request.Decision;
        var what = d.Plan switch
        {
            PlanKind.RestartInstance => $"RestartInstance (instance {d.InstanceId})",
            PlanKind.ScaleOut => $"ScaleOut (to {d.NewCapacity} instances)",
            PlanKind.ScaleUp => $"ScaleUp (to {d.NewSku})",
            _ => d.Plan.ToString(),
        };
        var warnings = d.Warnings is { Count: > 0 } w ? " Warning: " + string.Join(" ", w) : string.Empty;
        var message = $"Approval needed for {what}: {d.Reason}{warnings} Decide before {request.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)} " +
            $"with POST /api/incidents/{request.IncidentId}/decision {{\"approvalId\":\"{request.ApprovalId}\",\"approve\":true|false}} (as a signed-in approver); " +
            (d.ProceedOnTimeout ? "without a decision it goes ahead when the request expires (a low-risk plan)." : "without a decision nothing is done.");
        // The request row first: the decision endpoint claims decisions on it.
        await _approvals.OpenAsync(request.IncidentId, request.ApprovalId, what, request.At, request.ExpiresAt, cancellationToken).ConfigureAwait(false);
        await _store.SetPendingApprovalAsync(request.IncidentId, request.ApprovalId, cancellationToken).ConfigureAwait(false);
        await _store.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, request.At, TimelineKinds.ApprovalRequested, message), cancellationToken).ConfigureAwait(false);
        await _store.UpdateStatusAsync(request.IncidentId, IncidentStatus.AwaitingApproval, $"Waiting for approval of {what}.", request.At, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary><see cref="ActivityNames.EndApproval"/>: the incident stops waiting, and the timeline says why.</summary>
    public async Task<bool> EndAsync(ApprovalEnded ended, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ended);
        await _store.SetPendingApprovalAsync(ended.IncidentId, null, cancellationToken).ConfigureAwait(false);
        await _store.AppendTimelineAsync(new TimelineEntry(ended.IncidentId, ended.Sequence, ended.At, ended.Kind, ended.Message), cancellationToken).ConfigureAwait(false);
        if (ended.Proceed)
        {
            await _store.UpdateStatusAsync(ended.IncidentId, IncidentStatus.Mitigating, ended.Message, ended.At, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// <see cref="ActivityNames.ExpireApproval"/>: the workflow stops waiting on a request (its
    /// timer fired, or the alert resolved). The request ends as TimedOut or Withdrawn — unless an
    /// approver claimed it first, whose event the workflow has not seen yet: then that decision is
    /// returned and nothing else is written, so what the approver was told (202) is what happens.
    /// </summary>
    public async Task<ApprovalDecisionEvent?> ExpireAsync(ApprovalExpiry expiry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expiry);
        var state = expiry.Withdrawn ? ApprovalState.Withdrawn : ApprovalState.TimedOut;
        var record = await _approvals.CloseAsync(expiry.IncidentId, expiry.ApprovalId, state, expiry.At, cancellationToken).ConfigureAwait(false);
        if (record is { IsDecided: true })
        {
            return new ApprovalDecisionEvent(record.IncidentId, record.ApprovalId, record.State == ApprovalState.Approved, record.DecidedBy ?? "unknown",
                record.Comment, record.DecidedAt ?? expiry.At, record.From);
        }

        await _store.SetPendingApprovalAsync(expiry.IncidentId, null, cancellationToken).ConfigureAwait(false);
        await _store.AppendTimelineAsync(new TimelineEntry(expiry.IncidentId, expiry.Sequence, expiry.At, expiry.Withdrawn ? TimelineKinds.ApprovalWithdrawn : TimelineKinds.ApprovalTimedOut, expiry.Message), cancellationToken).ConfigureAwait(false);
        return null;
    }
}

using System.Globalization;
using AutoRemediate.Incidents;

namespace AutoRemediate.Approvals;

/// <summary>The approval bookkeeping: the incident row says which request it waits on, the timeline says what was asked and what came of it.</summary>
public sealed class ApprovalActivities
{
    private readonly IIncidentStore _store;

    /// <summary>Creates the activities.</summary>
    public ApprovalActivities(IIncidentStore store) => _store = store;

    /// <summary><see cref="Workflow.ActivityNames.RequestApproval"/>. Idempotent: same row, same values.</summary>
    public async Task<bool> RequestAsync(ApprovalRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var d = request.Decision;
        var what = d.Plan switch
        {
            Decisions.PlanKind.RestartInstance => $"RestartInstance (instance {d.InstanceId})",
            Decisions.PlanKind.ScaleOut => $"ScaleOut (to {d.NewCapacity} instances)",
            Decisions.PlanKind.ScaleUp => $"ScaleUp (to {d.NewSku})",
            _ => d.Plan.ToString(),
        };
        var warnings = d.Warnings is { Count: > 0 } w ? " Warning: " + string.Join(" ", w) : string.Empty;
        var message = $"Approval needed for {what}: {d.Reason}{warnings} Decide before {request.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)} " +
            $"with POST /api/incidents/{request.IncidentId}/decision {{\"approvalId\":\"{request.ApprovalId}\",\"approve\":true|false,\"approver\":\"...\"}}; without a decision nothing is done.";
        await _store.SetPendingApprovalAsync(request.IncidentId, request.ApprovalId, cancellationToken).ConfigureAwait(false);
        await _store.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, request.At, "ApprovalRequested", message), cancellationToken).ConfigureAwait(false);
        await _store.UpdateStatusAsync(request.IncidentId, IncidentStatus.AwaitingApproval, $"Waiting for approval of {what}.", request.At, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary><see cref="Workflow.ActivityNames.EndApproval"/>: the incident stops waiting, and the timeline says why.</summary>
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
}

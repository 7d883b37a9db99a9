using AutoRemediate.Incidents;
using AutoRemediate.Notify;
using AutoRemediate.Shared;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Workflow;

/// <summary>
/// The incident's own bookkeeping activities (open, timeline, status, close), shared by both hosts.
/// Each is idempotent: it may run more than once for the same input (at-least-once delivery) and
/// leaves the same state each time.
/// </summary>
public sealed class IncidentActivities
{
    private readonly IIncidentStore _store;
    private readonly ILogger<IncidentActivities> _logger;
    private readonly NotifyActivities _notify;

    /// <summary>Creates the activities.</summary>
    public IncidentActivities(IIncidentStore store, ILogger<IncidentActivities> logger, NotifyActivities notify)
    {
        _notify = notify;
        _store = store;
        _logger = logger;
    }

    /// <summary>
    /// <see cref="ActivityNames.OpenIncident"/>. False, writing nothing, when the incident was cancelled before
    /// its workflow started (<see cref="IncidentCancellation"/> closed it while it was only Received).
    /// </summary>
    public async Task<bool> OpenIncidentAsync(OpenIncidentRequest request, CancellationToken cancellationToken = default) =>
        (await OpenAsync(request, cancellationToken).ConfigureAwait(false)).Opened;

    /// <summary><see cref="OpenIncidentAsync"/>, with the incident's creation time (what its list index rows are keyed on).</summary>
    internal async Task<(bool Opened, DateTimeOffset? CreatedAt)> OpenAsync(OpenIncidentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var incident = await _store.GetAsync(request.IncidentId, cancellationToken).ConfigureAwait(false);
        if (incident?.Status == IncidentStatus.Cancelled)
        {
            return (false, null);
        }

        // The entry and the status are independent writes (each idempotent): both at once. The row just read gives the
        // index its key, so the status is one round trip (IIncidentStore.UpdateStatusAsync).
        await Task.WhenAll(
            _store.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, request.At, TimelineKinds.IncidentOpened, request.Message), cancellationToken),
            _store.UpdateStatusAsync(request.IncidentId, IncidentStatus.Investigating, request.Message, request.At, cancellationToken,
                index: incident is null ? null : IncidentIndexKey.Of(incident))).ConfigureAwait(false);
        Log.IncidentOpened(_logger, request.IncidentId);
        return (true, incident?.CreatedAt);
    }

    /// <summary><see cref="ActivityNames.RecordTimeline"/>: one or more entries (one call keeps the history small; one request an incident).</summary>
    public async Task<bool> RecordTimelineAsync(IReadOnlyList<TimelineEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await _store.AppendTimelineAsync(entries, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary><see cref="ActivityNames.SetStatus"/>.</summary>
    public async Task<bool> SetStatusAsync(SetStatusRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _store.UpdateStatusAsync(request.IncidentId, request.Status, request.Summary, request.At, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary><see cref="ActivityNames.CloseIncident"/>.</summary>
    public async Task<bool> CloseIncidentAsync(CloseIncidentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _store.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, request.At, TimelineKinds.Closed(request.Status), request.Summary), cancellationToken).ConfigureAwait(false);
        if (request.Status == IncidentStatus.Cancelled)
        {
            // A cancelled incident waits on nothing: a late click on an approval link finds no open request.
            await _store.SetPendingApprovalAsync(request.IncidentId, null, cancellationToken).ConfigureAwait(false);
        }

        await _store.UpdateStatusAsync(request.IncidentId, request.Status, request.Summary, request.At, cancellationToken, request.LiveUntil).ConfigureAwait(false);
        Log.IncidentClosed(_logger, request.IncidentId, request.Status);
        if (request.OutcomeMailRule is not { } rule || request.TargetResourceId is not { } target)
        {
            return true;
        }

        // The closing mail, tried once here (one activity fewer in the history when the mail server answers); when it
        // does not, false hands the mail to the workflow's durable retries. The incident is closed either way.
        try
        {
            await _notify.NotifyOutcomeAsync(new OutcomeMailRequest(request.IncidentId, target, rule, request.Status, request.Summary, request.At), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.OutcomeMailDeferred(_logger, request.IncidentId, Display.Failure(ex));
            return false;
        }
    }

    /// <summary>
    /// <see cref="ActivityNames.EscalateAfterError"/>: the workflow failed. The reason goes on the timeline,
    /// the incident stops waiting on any approval, and it is escalated. Idempotent.
    /// </summary>
    public async Task<bool> EscalateAfterErrorAsync(EscalateAfterErrorRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _store.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, request.At, TimelineKinds.WorkflowFailed, request.Reason), cancellationToken).ConfigureAwait(false);
        await _store.SetPendingApprovalAsync(request.IncidentId, null, cancellationToken).ConfigureAwait(false);
        await _store.UpdateStatusAsync(request.IncidentId, IncidentStatus.Escalated, request.Reason, request.At, cancellationToken).ConfigureAwait(false);
        Log.IncidentClosed(_logger, request.IncidentId, IncidentStatus.Escalated);
        return true;
    }
}

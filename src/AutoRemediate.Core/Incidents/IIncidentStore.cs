namespace AutoRemediate.Incidents;

/// <summary>Durable record of incidents and their timelines.</summary>
public interface IIncidentStore
{
    /// <summary>Stores a new incident; false when one with that id already exists (nothing is changed then).</summary>
    Task<bool> TryCreateAsync(IncidentRecord incident, CancellationToken cancellationToken = default);

    /// <summary>Reads one incident, or null.</summary>
    Task<IncidentRecord?> GetAsync(string incidentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets status and summary, and with <paramref name="liveUntil"/> the end of an escalated incident's hold
    /// (<see cref="IncidentRecord.LiveUntil"/>). Idempotent: writing the same values twice leaves the same row.
    /// With <paramref name="index"/> (the incident's app and creation time, which never change) a status that does
    /// not end the remediation is written without reading the row back first: the row and its list index rows in one
    /// round trip. <paramref name="clearPendingApproval"/> also clears <see cref="IncidentRecord.PendingApproval"/> in
    /// the same write.
    /// </summary>
    Task UpdateStatusAsync(string incidentId, IncidentStatus status, string summary, DateTimeOffset at, CancellationToken cancellationToken = default, DateTimeOffset? liveUntil = null,
        IncidentIndexKey? index = null, bool clearPendingApproval = false);

    /// <summary>
    /// Sets a final status and summary, conditional on the row being as it was read (<paramref name="etag"/>).
    /// False when it changed meanwhile (the workflow wrote it) or is gone; nothing is changed then.
    /// </summary>
    Task<bool> TryCloseAsync(string incidentId, string etag, IncidentStatus status, string summary, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Deletes an incident that never started (used when a concurrent delivery won the race).</summary>
    Task DeleteUnstartedAsync(string incidentId, CancellationToken cancellationToken = default);

    /// <summary>Writes a timeline entry. Idempotent: the row is keyed by incident and sequence.</summary>
    Task AppendTimelineAsync(TimelineEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes timeline entries, each as <see cref="AppendTimelineAsync(TimelineEntry, CancellationToken)"/> would: an
    /// incident's entries go in one request (an entity-group transaction of up to 100 rows), all or none of them; an
    /// empty list writes nothing. Idempotent.
    /// </summary>
    Task AppendTimelineAsync(IReadOnlyList<TimelineEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// The slow path of a repeat: records <paramref name="alertRule"/> on a live incident (a new rule is added, a resolved one
    /// fires again), with conditional writes retried on conflict, then brings the app's <see cref="LiveMarker"/> snapshot up
    /// to date. It does not count the delivery: every delivery is counted by <see cref="TryAddRepeatAsync"/>.
    /// </summary>
    Task<RepeatRecorded> RecordRepeatAsync(string incidentId, string alertRule, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts one delivery on a live incident: one insert of a small row keyed by the incident and
    /// <paramref name="repeatId"/> (the delivered alert's own incident id). False when that row exists already (the same
    /// alert delivered again): it is counted once. Insert-only, so concurrent writers never conflict.
    /// </summary>
    Task<bool> TryAddRepeatAsync(string incidentId, string repeatId, string alertRule, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The repeats counted on an incident (bounded read: <see cref="RepeatSummary.MaxCounted"/>).</summary>
    Task<RepeatSummary> GetRepeatsAsync(string incidentId, CancellationToken cancellationToken = default);

    /// <summary>The app's live-remediation marker (one point read), or null when no remediation is known to run.</summary>
    Task<LiveMarker?> GetLiveAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Inserts the marker of a remediation being started; false (nothing changed) when the app has one already.</summary>
    Task<bool> TryStartLiveAsync(LiveMarker marker, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims a stale marker for a check with the Durable backend: sets <see cref="LiveMarker.ConfirmedAt"/> to
    /// <paramref name="at"/> if the marker is still as read. False when another ingestor claimed or changed it first.
    /// </summary>
    Task<bool> TryConfirmLiveAsync(LiveMarker marker, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Deletes the app's marker if it names <paramref name="incidentId"/> (the remediation of that incident ended). Idempotent.</summary>
    Task EndLiveAsync(string instanceId, string incidentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that <paramref name="alertRule"/> resolved. The incident is resolved by its alerts only when
    /// every rule that fired into it has resolved; a rule that fires again counts as firing again.
    /// </summary>
    Task<ResolutionRecorded> RecordResolvedAsync(string incidentId, string alertRule, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records something reported from outside the workflow (an Event Grid event) on the timeline.
    /// Idempotent per <paramref name="externalId"/>, so a redelivered event is recorded once.
    /// </summary>
    Task AppendExternalAsync(string incidentId, string externalId, DateTimeOffset at, string kind, string message, CancellationToken cancellationToken = default);

    /// <summary>Reads an incident's timeline in time order.</summary>
    Task<IReadOnlyList<TimelineEntry>> GetTimelineAsync(string incidentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets or clears (null) the approval request the incident waits on; the decision endpoint only
    /// forwards a decision for the request named here. Idempotent.
    /// </summary>
    Task SetPendingApprovalAsync(string incidentId, string? approvalId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of incidents, newest first, read through the list index (<see cref="IncidentListKeys"/>): one partition
    /// range query, never a table scan. The items are the incident rows themselves, so a status the index has not caught
    /// up with yet is never shown (nor matched by a status filter).
    /// </summary>
    Task<IncidentPage> ListAsync(IncidentQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Notes on the incident that restarts are hiding a problem (<see cref="IncidentRecord.Recurrence"/>), with the earlier
    /// incidents. Idempotent.
    /// </summary>
    Task NoteRecurrenceAsync(string incidentId, string words, IReadOnlyList<string> earlierIncidents, CancellationToken cancellationToken = default);

    /// <summary>How many distinct apps had an incident opened since <paramref name="since"/> (the fleet breaker).</summary>
    Task<int> CountAppsAlertingSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>What an incident's list index rows are keyed on; neither changes after the incident is created.</summary>
/// <param name="TargetResourceId">The app.</param>
/// <param name="CreatedAt">When the incident was created (<see cref="IncidentRecord.CreatedAt"/>).</param>
public sealed record IncidentIndexKey(string TargetResourceId, DateTimeOffset CreatedAt)
{
    /// <summary>The key of a stored incident.</summary>
    public static IncidentIndexKey Of(IncidentRecord incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return new IncidentIndexKey(incident.TargetResourceId, incident.CreatedAt);
    }
}

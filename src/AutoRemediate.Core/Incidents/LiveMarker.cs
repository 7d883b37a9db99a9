namespace AutoRemediate.Incidents;

/// <summary>
/// The live-remediation marker of one app: the one row the alert hot path reads. Kept in the Incidents table under
/// partition <see cref="Partition"/>, RowKey = the app's orchestration instance id (<see cref="IncidentIds.InstanceIdFor"/>).
/// The start path inserts it (conditionally: the insert also settles a start race) before it schedules the remediation,
/// and the store deletes it when the incident closes (<see cref="IncidentRecord.IsClosedAt"/>: Resolved, Cancelled,
/// Escalated with no hold left), when the escalation hold ends, and when retention purges the incident.
/// </summary>
/// <remarks>
/// <para>
/// The marker carries a snapshot of the incident's rules: a rule that is in <see cref="Rules"/> and not in
/// <see cref="ResolvedRules"/> firing again is only counted (one insert of a repeat row); anything else (a new rule, a
/// rule that had resolved) takes the slow path, which updates the incident row conditionally and then this snapshot.
/// The snapshot may hold a rule as resolved that the incident row says fires (a resolution is written here first), never
/// the other way round, so the cheap path is only taken when it is right.
/// </para>
/// <para>
/// A stale marker (the orchestration died without closing its incident, or a host crashed between steps) is found by
/// <see cref="ConfirmedAt"/>: once it is older than <see cref="ConfirmAfter"/>, the first ingestor to claim it (a
/// conditional write of <see cref="ConfirmedAt"/>) asks the Durable backend once and refreshes or deletes it. So the
/// backend is asked at most once per app per <see cref="ConfirmAfter"/>, never per alert.
/// </para>
/// </remarks>
/// <param name="InstanceId">The app's orchestration instance id (the row key).</param>
/// <param name="IncidentId">The incident the live remediation serves.</param>
/// <param name="Rules">The rules recorded on the incident when the snapshot was written.</param>
/// <param name="ResolvedRules">The rules resolved at that time (or being resolved).</param>
/// <param name="ConfirmedAt">When the start path wrote it, or the Durable backend last confirmed it.</param>
/// <param name="ETag">The storage ETag, for conditional writes.</param>
public sealed record LiveMarker(string InstanceId, string IncidentId, IReadOnlyList<string> Rules, IReadOnlyList<string> ResolvedRules, DateTimeOffset ConfirmedAt, string? ETag = null)
{
    /// <summary>The Incidents table partition of the markers.</summary>
    public const string Partition = "live";

    /// <summary>How long a marker is trusted before the Durable backend is asked (once) whether its remediation still runs.</summary>
    public static readonly TimeSpan ConfirmAfter = TimeSpan.FromMinutes(2);

    /// <summary>True when <paramref name="rule"/> firing again is only a count: known to the incident and not resolved.</summary>
    public bool IsOnlyCounted(string rule) =>
        Rules.Contains(rule, StringComparer.OrdinalIgnoreCase) && !ResolvedRules.Contains(rule, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the marker was confirmed longer than <see cref="ConfirmAfter"/> before <paramref name="now"/>.</summary>
    public bool IsStaleAt(DateTimeOffset now) => now - ConfirmedAt > ConfirmAfter;
}

/// <summary>The repeats counted on an incident, aggregated from its repeat rows when read.</summary>
/// <param name="Count">How many repeat rows (at most <see cref="MaxCounted"/>).</param>
/// <param name="LastAt">When the newest one was recorded; null when there is none.</param>
public sealed record RepeatSummary(int Count, DateTimeOffset? LastAt)
{
    /// <summary>
    /// The most repeat rows one read counts (a query selecting only the key and time, 1,000 a page, so at most 20 pages);
    /// past it the count shows as "at least" (<see cref="Capped"/>).
    /// </summary>
    public const int MaxCounted = 20_000;

    /// <summary>None.</summary>
    public static RepeatSummary None { get; } = new(0, null);

    /// <summary>True when counting stopped at <see cref="MaxCounted"/>: there may be more.</summary>
    public bool Capped => Count >= MaxCounted;

    /// <summary>The count for people: "20000+" when capped.</summary>
    public string Display => Capped ? $"{Count}+" : Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Fills an incident's repeat figures from its repeat rows, for the readers that show them.</summary>
public static class IncidentRepeats
{
    /// <summary>The incident with <see cref="IncidentRecord.RepeatCount"/> and <see cref="IncidentRecord.LastRepeatAt"/> aggregated (added to a pre-existing row's counter).</summary>
    public static async Task<IncidentRecord> WithRepeatsAsync(this IIncidentStore store, IncidentRecord incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(incident);
        var repeats = await store.GetRepeatsAsync(incident.IncidentId, cancellationToken).ConfigureAwait(false);
        return incident with
        {
            RepeatCount = incident.RepeatCount + repeats.Count,
            LastRepeatAt = repeats.LastAt ?? incident.LastRepeatAt,
            RepeatCountCapped = repeats.Capped,
        };
    }
}

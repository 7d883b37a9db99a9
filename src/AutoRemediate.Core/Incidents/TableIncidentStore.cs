using System.Globalization;
using AutoRemediate.Shared;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Incidents;

/// <summary>
/// <see cref="IIncidentStore"/> on Azure Table Storage. Incidents: PartitionKey = incident id,
/// RowKey = "incident", and beside them the list index (<see cref="IncidentListKeys"/>: newest-first rows per app and
/// for all apps). Timeline: PartitionKey = incident id, RowKey = zero-padded sequence, so a
/// partition scan returns the timeline in order and a retried write replaces the same row.
/// </summary>
/// <remarks>
/// The index rows carry the status for the list's status filter. They are written after the incident row, by the
/// same call, and a call that fails is retried by its caller (the workflow's activities are), so they catch up; until
/// then <see cref="ListAsync"/> reads the incident rows of a page and trusts those, repairing the index as it goes.
/// </remarks>
public sealed class TableIncidentStore : IIncidentStore
{
    private const string IncidentRowKey = "incident";
    // Repeat rows sit in the incident's partition: "repeat_" + the delivered alert's own incident id.
    private const string RepeatRowPrefix = "repeat_";
    private const string RepeatRowEnd = "repeat`";
    private const int MaxConflictRetries = 50;
    // Table storage's limit on the operations of one entity-group transaction.
    private const int MaxTransactionRows = 100;
    private readonly TableClient _incidents;
    private readonly TableClient _timeline;
    private readonly AsyncOnce _tablesCreated;

    /// <summary>Creates the store over the given service.</summary>
    public TableIncidentStore(TableServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        _incidents = service.GetTableClient(options.Value.IncidentsTable);
        _timeline = service.GetTableClient(options.Value.TimelineTable);
        _tablesCreated = new AsyncOnce(async ct =>
        {
            await _incidents.CreateIfNotExistsAsync(ct).ConfigureAwait(false);
            await _timeline.CreateIfNotExistsAsync(ct).ConfigureAwait(false);
        });
    }

    /// <inheritdoc />
    public async Task<bool> TryCreateAsync(IncidentRecord incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(incident.IncidentId, IncidentRowKey)
        {
            ["TargetResourceId"] = incident.TargetResourceId,
            ["AlertId"] = incident.AlertId,
            ["AlertRule"] = incident.AlertRule,
            ["Severity"] = incident.Severity,
            ["Status"] = incident.Status.ToString(),
            ["Summary"] = incident.Summary,
            ["CreatedAt"] = incident.CreatedAt,
            ["UpdatedAt"] = incident.UpdatedAt,
            ["RepeatCount"] = incident.RepeatCount,
            ["AlertRules"] = JoinRules(incident.AlertRules ?? [incident.AlertRule]),
        };
        try
        {
            await _incidents.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // A retried delivery: the earlier one may have stopped between the row and its index rows.
            if (await GetAsync(incident.IncidentId, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                await IndexAsync(existing, cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        await IndexAsync(incident, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task<IncidentRecord?> GetAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var response = await _incidents.GetEntityIfExistsAsync<TableEntity>(incidentId, IncidentRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || response.Value is not { } e)
        {
            return null;
        }

        return new IncidentRecord(
            e.PartitionKey,
            e.GetString("TargetResourceId") ?? string.Empty,
            e.GetString("AlertId") ?? string.Empty,
            e.GetString("AlertRule") ?? string.Empty,
            e.GetString("Severity") ?? string.Empty,
            Enum.TryParse<IncidentStatus>(e.GetString("Status"), out var status) ? status : IncidentStatus.Received,
            e.GetString("Summary") ?? string.Empty,
            e.GetDateTimeOffset("CreatedAt") ?? e.Timestamp ?? DateTimeOffset.MinValue,
            e.GetDateTimeOffset("UpdatedAt") ?? e.Timestamp ?? DateTimeOffset.MinValue,
            e.ETag.ToString(),
            e.GetInt32("RepeatCount") ?? 0,
            SplitRules(e.GetString("AlertRules")),
            e.GetString("PendingApproval") is { Length: > 0 } pending ? pending : null,
            e.GetDateTimeOffset("LiveUntil"),
            e.GetString("Recurrence") is { Length: > 0 } recurrence ? recurrence : null,
            e.GetString("EarlierIncidents") is { Length: > 0 } earlier ? SplitRules(earlier) : null);
    }

    /// <inheritdoc />
    public async Task NoteRecurrenceAsync(string incidentId, string words, IReadOnlyList<string> earlierIncidents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(earlierIncidents);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var patch = new TableEntity(incidentId, IncidentRowKey) { ["Recurrence"] = words, ["EarlierIncidents"] = JoinRules(earlierIncidents) };
        await _incidents.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<RepeatRecorded> RecordRepeatAsync(string incidentId, string alertRule, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var response = await _incidents.GetEntityAsync<TableEntity>(incidentId, IncidentRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            var entity = response.Value;
            var rules = SplitRules(entity.GetString("AlertRules")).ToList();
            // A rule counts as new only while there is room to remember it, so the workflow hears
            // about at most IncidentRecord.MaxRules rules however many fire.
            var isNewRule = !rules.Contains(alertRule, StringComparer.OrdinalIgnoreCase) && rules.Count < IncidentRecord.MaxRules;
            if (isNewRule)
            {
                rules.Add(alertRule);
            }

            var resolved = SplitRules(entity.GetString("ResolvedRules")).Where(r => !string.Equals(r, alertRule, StringComparison.OrdinalIgnoreCase)).ToList();
            // No counter here: the delivery is counted by its own repeat row (TryAddRepeatAsync), so this
            // conditional write only happens when a rule is new or fires again after resolving.
            var patch = new TableEntity(incidentId, IncidentRowKey)
            {
                ["AlertRules"] = JoinRules(rules),
                ["ResolvedRules"] = JoinRules(resolved),
            };
            try
            {
                await _incidents.UpdateEntityAsync(patch, entity.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                var target = entity.GetString("TargetResourceId") ?? string.Empty;
                // The incident row first, the snapshot after: the marker never says "only count" before the row agrees.
                await UpdateLiveAsync(IncidentIds.InstanceIdFor(target), incidentId,
                    (r, x) => (Union(r, rules), x.Where(v => !string.Equals(v, alertRule, StringComparison.OrdinalIgnoreCase)).ToList()), cancellationToken).ConfigureAwait(false);
                return new RepeatRecorded(isNewRule);
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxConflictRetries)
            {
                // Another slow-path writer went first; read again and add ours on top. The back-off is
                // jittered so a burst of writers spreads out instead of colliding in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> TryAddRepeatAsync(string incidentId, string repeatId, string alertRule, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(incidentId, RepeatRowPrefix + repeatId) { ["AlertRule"] = alertRule, ["At"] = at };
        try
        {
            await _incidents.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<RepeatSummary> GetRepeatsAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        // One partition range, only the key and the time: bounded by RepeatSummary.MaxCounted rows.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {incidentId} and RowKey ge {RepeatRowPrefix} and RowKey lt {RepeatRowEnd}");
        var count = 0;
        DateTimeOffset? last = null;
        await foreach (var row in _incidents.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", "At"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            count++;
            if (row.GetDateTimeOffset("At") is { } at && !(last >= at))
            {
                last = at;
            }

            if (count == RepeatSummary.MaxCounted)
            {
                break;
            }
        }

        return new RepeatSummary(count, last);
    }

    /// <inheritdoc />
    public async Task<LiveMarker?> GetLiveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var response = await _incidents.GetEntityIfExistsAsync<TableEntity>(LiveMarker.Partition, instanceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue && response.Value is { } e ? ToMarker(e) : null;
    }

    /// <inheritdoc />
    public async Task<bool> TryStartLiveAsync(LiveMarker marker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marker);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _incidents.AddEntityAsync(ToEntity(marker), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<bool> TryConfirmLiveAsync(LiveMarker marker, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marker);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var patch = new TableEntity(LiveMarker.Partition, marker.InstanceId) { ["ConfirmedAt"] = at };
            await _incidents.UpdateEntityAsync(patch, marker.ETag is { } etag ? new ETag(etag) : ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task EndLiveAsync(string instanceId, string incidentId, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; attempt <= MaxConflictRetries; attempt++)
        {
            var marker = await GetLiveAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (marker is null || !string.Equals(marker.IncidentId, incidentId, StringComparison.Ordinal))
            {
                // Gone already, or it names the app's next incident: not ours to delete.
                return;
            }

            try
            {
                await _incidents.DeleteEntityAsync(LiveMarker.Partition, instanceId, new ETag(marker.ETag!), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Refreshed meanwhile (a snapshot or a confirmation): read again.
            }
        }
    }

    /// <summary>
    /// Rewrites the app's marker snapshot if it names <paramref name="incidentId"/>, conditional on the row as read and
    /// retried on conflict, so concurrent slow paths and resolutions all land. A missing marker is left missing.
    /// </summary>
    private async Task UpdateLiveAsync(string instanceId, string incidentId, Func<IReadOnlyList<string>, IReadOnlyList<string>, (IReadOnlyList<string> Rules, IReadOnlyList<string> Resolved)> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxConflictRetries; attempt++)
        {
            var marker = await GetLiveAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (marker is null || !string.Equals(marker.IncidentId, incidentId, StringComparison.Ordinal))
            {
                return;
            }

            var (rules, resolved) = change(marker.Rules, marker.ResolvedRules);
            var patch = new TableEntity(LiveMarker.Partition, instanceId) { ["Rules"] = JoinRules(rules), ["ResolvedRules"] = JoinRules(resolved) };
            try
            {
                await _incidents.UpdateEntityAsync(patch, new ETag(marker.ETag!), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static LiveMarker ToMarker(TableEntity e) => new(
        e.RowKey,
        e.GetString("IncidentId") ?? string.Empty,
        SplitRules(e.GetString("Rules")),
        SplitRules(e.GetString("ResolvedRules")),
        e.GetDateTimeOffset("ConfirmedAt") ?? DateTimeOffset.MinValue,
        e.ETag.ToString());

    private static TableEntity ToEntity(LiveMarker marker) => new(LiveMarker.Partition, marker.InstanceId)
    {
        ["IncidentId"] = marker.IncidentId,
        ["Rules"] = JoinRules(marker.Rules),
        ["ResolvedRules"] = JoinRules(marker.ResolvedRules),
        ["ConfirmedAt"] = marker.ConfirmedAt,
    };

    private static List<string> Union(IEnumerable<string> a, IEnumerable<string> b)
    {
        var all = a.ToList();
        all.AddRange(b.Where(r => !all.Contains(r, StringComparer.OrdinalIgnoreCase)));
        return all;
    }

    /// <inheritdoc />
    public async Task<ResolutionRecorded> RecordResolvedAsync(string incidentId, string alertRule, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var markerMarked = false;
        for (var attempt = 1; ; attempt++)
        {
            var entity = (await _incidents.GetEntityAsync<TableEntity>(incidentId, IncidentRowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (!markerMarked)
            {
                // The marker hears of the resolution first, so from now on a delivery of this rule takes the slow path,
                // which writes the incident row conditionally and so is ordered with this resolution.
                await UpdateLiveAsync(IncidentIds.InstanceIdFor(entity.GetString("TargetResourceId") ?? string.Empty), incidentId,
                    (r, x) => (r, Union(x, [alertRule])), cancellationToken).ConfigureAwait(false);
                markerMarked = true;
            }

            var fired = SplitRules(entity.GetString("AlertRules"));
            var resolved = SplitRules(entity.GetString("ResolvedRules")).ToList();
            if (!resolved.Contains(alertRule, StringComparer.OrdinalIgnoreCase))
            {
                resolved.Add(alertRule);
            }

            // A rule the incident never recorded (past IncidentRecord.MaxRules) cannot hold it open or close it.
            var stillFiring = fired.Where(r => !resolved.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
            var patch = new TableEntity(incidentId, IncidentRowKey) { ["ResolvedRules"] = JoinRules(resolved) };
            try
            {
                await _incidents.UpdateEntityAsync(patch, entity.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return new ResolutionRecorded(stillFiring.Count == 0, stillFiring);
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxConflictRetries)
            {
                // Another delivery wrote first (a repeat or another resolution); read again and add ours on top.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task AppendExternalAsync(string incidentId, string externalId, DateTimeOffset at, string kind, string message, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var key = "ext-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(externalId)))[..24];
        var entity = new TableEntity(incidentId, key)
        {
            ["Sequence"] = TimelineEntry.ExternalSequence,
            ["At"] = at,
            ["Kind"] = kind,
            ["Message"] = message,
        };
        await _timeline.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task UpdateStatusAsync(string incidentId, IncidentStatus status, string summary, DateTimeOffset at, CancellationToken cancellationToken = default, DateTimeOffset? liveUntil = null,
        IncidentIndexKey? index = null, bool clearPendingApproval = false)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var patch = new TableEntity(incidentId, IncidentRowKey)
        {
            ["Status"] = status.ToString(),
            ["Summary"] = summary,
            ["UpdatedAt"] = at,
        };
        if (liveUntil is { } until)
        {
            patch["LiveUntil"] = until;
        }

        if (clearPendingApproval)
        {
            patch["PendingApproval"] = string.Empty;
        }

        if (index is { } known && status is not (IncidentStatus.Resolved or IncidentStatus.Escalated or IncidentStatus.Cancelled))
        {
            // A status on the way (Investigating, AwaitingApproval, Mitigating, Verifying): everything the index rows hold
            // is known, and no live marker ends with it, so the row and its index rows go at once, without reading the row
            // back: one round trip on the remediation's path instead of three. A final status reads the row back (below):
            // whether it closes the incident depends on the hold the row may carry.
            await Task.WhenAll(
                _incidents.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken),
                IndexAsync(incidentId, known.TargetResourceId, status, known.CreatedAt, at, cancellationToken)).ConfigureAwait(false);
            return;
        }

        // Merge with ETag "*" on purpose: the ingest path created the row, and only the one
        // orchestration for this incident updates it afterwards, so there is no second writer to lose to.
        // A missing row is an error: the ingest path always creates it first.
        await _incidents.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        await ReindexAsync(incidentId, at, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> TryCloseAsync(string incidentId, string etag, IncidentStatus status, string summary, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var patch = new TableEntity(incidentId, IncidentRowKey)
        {
            ["Status"] = status.ToString(),
            ["Summary"] = summary,
            ["UpdatedAt"] = at,
            ["PendingApproval"] = string.Empty,
        };
        try
        {
            // Conditional: this write comes from outside the workflow, and must lose to anything the
            // workflow wrote after the row was read.
            await _incidents.UpdateEntityAsync(patch, new ETag(etag), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }

        await ReindexAsync(incidentId, at, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task SetPendingApprovalAsync(string incidentId, string? approvalId, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var patch = new TableEntity(incidentId, IncidentRowKey) { ["PendingApproval"] = approvalId ?? string.Empty };
        await _incidents.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<int> CountAppsAlertingSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        // A range of the list-all partition: the incidents opened since then, and nothing older.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {IncidentListKeys.AllPartition} and RowKey lt {IncidentListKeys.SinceBound(since)}");
        var apps = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await foreach (var e in _incidents.QueryAsync<TableEntity>(filter, select: ["TargetResourceId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            apps.Add(e.GetString("TargetResourceId") ?? string.Empty);
        }

        return apps.Count;
    }

    /// <inheritdoc />
    public async Task<IncidentPage> ListAsync(IncidentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var partition = query.App is null ? IncidentListKeys.AllPartition : IncidentListKeys.AppPartition(query.App);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        if (IncidentListKeys.DecodeContinuation(query.Continuation) is { } after)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {after}");
        }

        if (query.Since is { } since)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey lt {IncidentListKeys.SinceBound(since)}");
        }

        if (query.ExactTarget && query.App?.Canonical is { } canonical)
        {
            filter += " and " + TableClient.CreateQueryFilter($"TargetResourceId eq {canonical}");
        }

        if (query.Statuses.Count > 0)
        {
            filter += " and (" + string.Join(" or ", query.Statuses.Order().Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}"))) + ")";
        }

        // One more than a page, to know whether there is a next one.
        var rows = new List<TableEntity>(query.Top + 1);
        await foreach (var row in _incidents.QueryAsync<TableEntity>(filter, maxPerPage: query.Top + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (IncidentListKeys.IsRowKey(row.RowKey))
            {
                rows.Add(row);
            }

            if (rows.Count > query.Top)
            {
                break;
            }
        }

        var page = rows.Take(query.Top).ToList();
        var records = await Task.WhenAll(page.Select(r => GetAsync(r.GetString("IncidentId") ?? string.Empty, cancellationToken))).ConfigureAwait(false);
        var items = new List<IncidentRecord>(page.Count);
        for (var i = 0; i < page.Count; i++)
        {
            if (records[i] is not { } incident)
            {
                // An index row whose incident never got stored, or was purged: not an incident.
                continue;
            }

            if (!string.Equals(page[i].GetString("Status"), incident.Status.ToString(), StringComparison.Ordinal))
            {
                // The index lags the incident (a write between the two failed): repair it, and filter on the truth.
                await IndexAsync(incident, cancellationToken).ConfigureAwait(false);
                if (query.Statuses.Count > 0 && !query.Statuses.Contains(incident.Status))
                {
                    continue;
                }
            }

            items.Add(incident);
        }

        var continuation = rows.Count > query.Top ? IncidentListKeys.EncodeContinuation(page[^1].RowKey) : null;
        return new IncidentPage(items, continuation);
    }

    /// <inheritdoc />
    public async Task DeleteUnstartedAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        var existing = await GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
        if (existing is null || existing.Status != IncidentStatus.Received)
        {
            return;
        }

        try
        {
            // Conditional on the ETag read above: if the workflow touched the row meanwhile, it stays.
            await _incidents.DeleteEntityAsync(incidentId, IncidentRowKey, new ETag(existing.ETag!), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Already gone, or no longer unstarted: either way there is nothing to undo.
            return;
        }

        var rowKey = IncidentListKeys.RowKey(existing.CreatedAt, incidentId);
        await Task.WhenAll(IndexPartitions(existing).Select(async partition =>
        {
            try
            {
                await _incidents.DeleteEntityAsync(partition, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Never indexed: nothing to remove.
            }
        })).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task AppendTimelineAsync(TimelineEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await _timeline.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        await AfterTimelineAsync([entry], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task AppendTimelineAsync(IReadOnlyList<TimelineEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        if (entries.Count == 1)
        {
            // One row: a plain upsert costs the storage service less than a transaction of one.
            await AppendTimelineAsync(entries[0], cancellationToken).ConfigureAwait(false);
            return;
        }

        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        // One partition per incident, so each incident's entries are one entity-group transaction (at most 100 rows
        // each); a sequence written twice in one list is written once, the last one winning, as two upserts would.
        foreach (var incident in entries.GroupBy(e => e.IncidentId, StringComparer.Ordinal))
        {
            var rows = incident.GroupBy(e => e.Sequence).Select(g => g.Last()).ToList();
            foreach (var chunk in rows.Chunk(MaxTransactionRows))
            {
                await _timeline.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(e))), cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        await AfterTimelineAsync(entries, cancellationToken).ConfigureAwait(false);
    }

    private async Task AfterTimelineAsync(IReadOnlyList<TimelineEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var ended in entries.Where(e => e.Kind == TimelineKinds.HoldEnded).Select(e => e.IncidentId).Distinct(StringComparer.Ordinal))
        {
            if (await GetAsync(ended, cancellationToken).ConfigureAwait(false) is { } incident)
            {
                // An escalation hold ending is the one end of a remediation that writes no status (the incident is Escalated
                // already): the live marker goes when the workflow records it.
                await EndLiveAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), incident.IncidentId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static TableEntity ToEntity(TimelineEntry entry) => new(entry.IncidentId, RowKeyFor(entry.Sequence))
    {
        ["Sequence"] = entry.Sequence,
        ["At"] = entry.At,
        ["Kind"] = entry.Kind,
        ["Message"] = entry.Message,
    };

    /// <inheritdoc />
    public async Task<IReadOnlyList<TimelineEntry>> GetTimelineAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<TimelineEntry>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {incidentId}");
        await foreach (var e in _timeline.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new TimelineEntry(
                e.PartitionKey,
                e.GetInt32("Sequence") ?? 0,
                e.GetDateTimeOffset("At") ?? e.Timestamp ?? DateTimeOffset.MinValue,
                e.GetString("Kind") ?? string.Empty,
                e.GetString("Message") ?? string.Empty));
        }

        // Workflow entries and entries reported from outside it interleave by time; within the
        // same instant the workflow's own order holds.
        return [.. entries.OrderBy(e => e.At).ThenBy(e => e.Sequence)];
    }

    /// <summary>
    /// Incidents opened before <paramref name="before"/>, read from the <c>list-all</c> index partition: its row keys are
    /// inverted ticks, so the incidents opened before an instant are the row keys from
    /// <see cref="IncidentListKeys.SinceBound"/> up, one partition range query and never a table scan. At most
    /// <paramref name="max"/>. An index row whose incident row is already gone (a purge that stopped half-way) is listed too.
    /// </summary>
    public async Task<IReadOnlyList<IndexedIncident>> ListOpenedBeforeAsync(DateTimeOffset before, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {IncidentListKeys.AllPartition} and RowKey ge {IncidentListKeys.SinceBound(before)}");
        var found = new List<IndexedIncident>(Math.Min(max, 1000));
        await foreach (var row in _incidents.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, 1000), select: ["RowKey", "TargetResourceId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            // The id comes from the key's exact grammar, never from a free-text column.
            if (IncidentListKeys.IsRowKey(row.RowKey))
            {
                found.Add(new IndexedIncident(row.RowKey[(row.RowKey.IndexOf('_', StringComparison.Ordinal) + 1)..], row.GetString("TargetResourceId") ?? string.Empty, row.RowKey));
                if (found.Count == max)
                {
                    break;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Deletes the incident's timeline, its list index rows and the incident row, and returns how many rows went. The
    /// <c>list-all</c> index row goes last, after the incident row: it is what <see cref="ListOpenedBeforeAsync"/> finds,
    /// so a purge that stops anywhere (storage down) is found and finished by the next one. Idempotent.
    /// </summary>
    public async Task<int> PurgeAsync(IndexedIncident incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        await _tablesCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await TableRowDeletes.DeleteWhereAsync(_timeline, TableClient.CreateQueryFilter($"PartitionKey eq {incident.IncidentId}"), cancellationToken).ConfigureAwait(false);
        if (ResourceIds.TryParse(incident.TargetResourceId, out var id))
        {
            deleted += await TableRowDeletes.DeleteAsync(_incidents, IncidentListKeys.AppPartition(IncidentListApp.For(id!)), incident.IndexRowKey, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        // Its repeat rows and, if it still names this incident, the app's live marker (a remediation that died without
        // closing): before the incident row, so a purge that stops half-way is finished by the next one.
        deleted += await TableRowDeletes.DeleteWhereAsync(_incidents,
            TableClient.CreateQueryFilter($"PartitionKey eq {incident.IncidentId} and RowKey ge {RepeatRowPrefix} and RowKey lt {RepeatRowEnd}"), cancellationToken).ConfigureAwait(false);
        if (incident.TargetResourceId.Length > 0
            && await GetLiveAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), cancellationToken).ConfigureAwait(false) is { } marker
            && string.Equals(marker.IncidentId, incident.IncidentId, StringComparison.Ordinal))
        {
            await EndLiveAsync(marker.InstanceId, incident.IncidentId, cancellationToken).ConfigureAwait(false);
            deleted++;
        }

        deleted += await TableRowDeletes.DeleteAsync(_incidents, incident.IncidentId, IncidentRowKey, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        deleted += await TableRowDeletes.DeleteAsync(_incidents, IncidentListKeys.AllPartition, incident.IndexRowKey, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        return deleted;
    }

    /// <summary>Writes (or repairs) the incident's list index rows from the incident as given. Idempotent.</summary>
    private Task IndexAsync(IncidentRecord incident, CancellationToken cancellationToken) =>
        IndexAsync(incident.IncidentId, incident.TargetResourceId, incident.Status, incident.CreatedAt, incident.UpdatedAt, cancellationToken);

    private Task IndexAsync(string incidentId, string targetResourceId, IncidentStatus status, DateTimeOffset createdAt, DateTimeOffset updatedAt, CancellationToken cancellationToken)
    {
        var rowKey = IncidentListKeys.RowKey(createdAt, incidentId);
        return Task.WhenAll(IndexPartitions(targetResourceId).Select(partition => _incidents.UpsertEntityAsync(
            new TableEntity(partition, rowKey)
            {
                ["IncidentId"] = incidentId,
                ["TargetResourceId"] = targetResourceId,
                ["Status"] = status.ToString(),
                ["CreatedAt"] = createdAt,
                ["UpdatedAt"] = updatedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken)));
    }

    private async Task ReindexAsync(string incidentId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await GetAsync(incidentId, cancellationToken).ConfigureAwait(false) is { } incident)
        {
            await IndexAsync(incident, cancellationToken).ConfigureAwait(false);
            if (incident.IsClosedAt(at))
            {
                // The remediation is over (Resolved, Cancelled, or Escalated with no hold): the app's next alert opens a
                // new incident. Every way an incident closes writes its status here (the workflow's close, its error
                // escalation, a cancel before start, the reconciler's close of a dead workflow), so the marker goes with it.
                await EndLiveAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), incidentId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static IEnumerable<string> IndexPartitions(IncidentRecord incident) => IndexPartitions(incident.TargetResourceId);

    private static IEnumerable<string> IndexPartitions(string targetResourceId)
    {
        yield return IncidentListKeys.AllPartition;
        if (ResourceIds.TryParse(targetResourceId, out var id))
        {
            yield return IncidentListKeys.AppPartition(IncidentListApp.For(id!));
        }
    }

    private static string JoinRules(IEnumerable<string> rules) => string.Join('\n', rules);

    private static IReadOnlyList<string> SplitRules(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Split('\n');

    private static string RowKeyFor(int sequence) => sequence.ToString("D6", CultureInfo.InvariantCulture);
}

/// <summary>An incident as the list index knows it: enough to find everything kept for it, even once its row is gone.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="TargetResourceId">Its app.</param>
/// <param name="IndexRowKey">Its list index row key (<see cref="IncidentListKeys.RowKey"/>).</param>
public sealed record IndexedIncident(string IncidentId, string TargetResourceId, string IndexRowKey);

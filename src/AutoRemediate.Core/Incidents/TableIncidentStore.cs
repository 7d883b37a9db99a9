using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Incidents;

/// <summary>
/// <see cref="IIncidentStore"/> on Azure Table Storage. Incidents: PartitionKey = incident id,
/// RowKey = "incident". Timeline: PartitionKey = incident id, RowKey = zero-padded sequence, so a
/// partition scan returns the timeline in order and a retried write replaces the same row.
/// </summary>
public sealed class TableIncidentStore : IIncidentStore
{
    private const string IncidentRowKey = "incident";
    private readonly TableClient _incidents;
    private readonly TableClient _timeline;
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private volatile bool _tablesReady;

    /// <summary>Creates the store over the given service.</summary>
    public TableIncidentStore(TableServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        _incidents = service.GetTableClient(options.Value.IncidentsTable);
        _timeline = service.GetTableClient(options.Value.TimelineTable);
    }

    /// <inheritdoc />
    public async Task<bool> TryCreateAsync(IncidentRecord incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
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
        };
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
    public async Task<IncidentRecord?> GetAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
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
            e.ETag.ToString());
    }

    /// <inheritdoc />
    public async Task UpdateStatusAsync(string incidentId, IncidentStatus status, string summary, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var patch = new TableEntity(incidentId, IncidentRowKey)
        {
            ["Status"] = status.ToString(),
            ["Summary"] = summary,
            ["UpdatedAt"] = at,
        };
        // Merge with ETag "*" on purpose: the ingest path created the row, and only the one
        // orchestration for this incident updates it afterwards, so there is no second writer to lose to.
        // A missing row is an error: the ingest path always creates it first.
        await _incidents.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
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
        }
    }

    /// <inheritdoc />
    public async Task AppendTimelineAsync(TimelineEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(entry.IncidentId, RowKeyFor(entry.Sequence))
        {
            ["Sequence"] = entry.Sequence,
            ["At"] = entry.At,
            ["Kind"] = entry.Kind,
            ["Message"] = entry.Message,
        };
        await _timeline.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TimelineEntry>> GetTimelineAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
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

        return entries;
    }

    private static string RowKeyFor(int sequence) => sequence.ToString("D6", CultureInfo.InvariantCulture);

    private async Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        if (_tablesReady)
        {
            return;
        }

        await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_tablesReady)
            {
                await _incidents.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
                await _timeline.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
                _tablesReady = true;
            }
        }
        finally
        {
            _createGate.Release();
        }
    }
}

using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Actions;

/// <summary>Where an action stands in the journal.</summary>
public enum ActionState
{
    /// <summary>Recorded before the call to Azure; the call may or may not have gone out.</summary>
    Started,

    /// <summary>Azure accepted the call.</summary>
    Sent,

    /// <summary>The activity finished (performed, or found already done).</summary>
    Completed,
}

/// <summary>One action the pipeline took on an app.</summary>
/// <param name="ActionId">Deterministic id chosen by the workflow (incident + rung), so a retry finds its own row.</param>
/// <param name="IncidentId">The incident.</param>
/// <param name="TargetResourceId">The app.</param>
/// <param name="Plan">What.</param>
/// <param name="State">Where it stands.</param>
/// <param name="StartedAt">When the row was first written.</param>
/// <param name="Finished">The incident's verification ended; the action no longer counts as running fleet-wide.</param>
/// <param name="Message">What happened.</param>
/// <param name="ETag">For conditional updates.</param>
public sealed record ActionRecord(
    string ActionId, string IncidentId, string TargetResourceId, PlanKind Plan, ActionState State, DateTimeOffset StartedAt, bool Finished = false,
    string? Message = null, string? ETag = null);

/// <summary>
/// The journal behind idempotent actions and the guardrails: one row per action, written before the
/// call to Azure. Cooldowns and daily limits read an app's rows; the fleet-wide cap counts unfinished rows.
/// </summary>
public interface IActionJournal
{
    /// <summary>Records the action as started, or returns the row a previous attempt wrote.</summary>
    Task<(ActionRecord Record, bool Existed)> BeginAsync(ActionRecord action, CancellationToken cancellationToken = default);

    /// <summary>Moves the action to <paramref name="state"/> with a message.</summary>
    Task UpdateAsync(ActionRecord action, ActionState state, string message, CancellationToken cancellationToken = default);

    /// <summary>Marks every action of the incident finished (verification ended). Idempotent.</summary>
    Task FinishAsync(string targetResourceId, string incidentId, CancellationToken cancellationToken = default);

    /// <summary>The app's actions started since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<ActionRecord>> RecentAsync(string targetResourceId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Unfinished actions across the fleet started since <paramref name="since"/>.</summary>
    Task<int> CountRunningAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IActionJournal"/> on Table Storage: PartitionKey = the app's hashed id, RowKey = action id; and one
/// partition <c>running</c> with a marker row per unfinished action (RowKey = app partition + action id), written
/// when the action begins and deleted when its incident's verification ends. Every read is one partition: an app's
/// cooldowns and daily limits read its own partition from a start time, the fleet-wide cap counts the markers; no
/// query scans the table.
/// </summary>
public sealed class TableActionJournal : IActionJournal
{
    private const string RunningPartition = "running";

    private readonly TableClient _table;
    private readonly AsyncOnce _tableCreated;

    /// <summary>Creates the journal.</summary>
    public TableActionJournal(TableServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        _table = service.GetTableClient(options.Value.ActionsTable);
        _tableCreated = new AsyncOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    /// <inheritdoc />
    public async Task<(ActionRecord Record, bool Existed)> BeginAsync(ActionRecord action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(PartitionFor(action.TargetResourceId), action.ActionId)
        {
            ["IncidentId"] = action.IncidentId,
            ["TargetResourceId"] = action.TargetResourceId,
            ["Plan"] = action.Plan.ToString(),
            ["State"] = ActionState.Started.ToString(),
            ["StartedAt"] = action.StartedAt,
            ["Finished"] = false,
            ["Message"] = action.Message,
        };
        // The marker first: an action must never run uncounted. A marker whose row never follows (the add below
        // fails and is retried, or the incident ends) is removed when the incident's verification ends.
        await MarkRunningAsync(action, cancellationToken).ConfigureAwait(false);
        try
        {
            var added = await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return (action with { State = ActionState.Started, ETag = added.Headers.ETag?.ToString() }, false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = ToRecord((await _table.GetEntityAsync<TableEntity>(entity.PartitionKey, entity.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).Value);
            if (existing.Finished)
            {
                await UnmarkRunningAsync(existing.TargetResourceId, existing.ActionId, cancellationToken).ConfigureAwait(false);
            }

            return (existing, true);
        }
    }

    /// <inheritdoc />
    public async Task UpdateAsync(ActionRecord action, ActionState state, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(PartitionFor(action.TargetResourceId), action.ActionId) { ["State"] = state.ToString(), ["Message"] = message };
        await _table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task FinishAsync(string targetResourceId, string incidentId, CancellationToken cancellationToken = default)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var partition = PartitionFor(targetResourceId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and IncidentId eq {incidentId}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetBoolean("Finished") != true)
            {
                await _table.UpdateEntityAsync(new TableEntity(partition, row.RowKey) { ["Finished"] = true }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            }

            // After the flag: a retry of a finish that stopped in between still finds the row and removes the marker.
            await UnmarkRunningAsync(targetResourceId, row.RowKey, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ActionRecord>> RecentAsync(string targetResourceId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionFor(targetResourceId)} and StartedAt ge {since}");
        var rows = new List<ActionRecord>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ToRecord(row));
        }

        return rows;
    }

    /// <inheritdoc />
    public async Task<int> CountRunningAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunningPartition} and StartedAt ge {since}");
        var count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, select: ["StartedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    /// <summary>Deletes the incident's journal rows (one partition read: the app's) and their running markers; returns how many rows went. Idempotent.</summary>
    public async Task<int> PurgeIncidentAsync(string targetResourceId, string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetResourceId);
        ArgumentException.ThrowIfNullOrEmpty(incidentId);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var partition = PartitionFor(targetResourceId);
        var actions = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and IncidentId eq {incidentId}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            actions.Add(row.RowKey);
        }

        var deleted = 0;
        foreach (var actionId in actions)
        {
            // The marker before its row: a purge that stops in between finds the row again next time.
            deleted += await TableRowDeletes.DeleteAsync(_table, RunningPartition, RunningKey(targetResourceId, actionId), cancellationToken).ConfigureAwait(false) ? 1 : 0;
            deleted += await TableRowDeletes.DeleteAsync(_table, partition, actionId, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>
    /// Deletes at most <paramref name="max"/> running markers of actions started before <paramref name="before"/> (one
    /// partition read): markers left by an action whose verification never ended. Returns how many went.
    /// </summary>
    public async Task<int> PurgeMarkersBeforeAsync(DateTimeOffset before, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunningPartition} and StartedAt lt {before}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add(row.RowKey);
            if (keys.Count == max)
            {
                break;
            }
        }

        var deleted = 0;
        foreach (var key in keys)
        {
            deleted += await TableRowDeletes.DeleteAsync(_table, RunningPartition, key, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
    }

    private Task MarkRunningAsync(ActionRecord action, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(
            new TableEntity(RunningPartition, RunningKey(action.TargetResourceId, action.ActionId))
            {
                ["IncidentId"] = action.IncidentId,
                ["TargetResourceId"] = action.TargetResourceId,
                ["StartedAt"] = action.StartedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    private async Task UnmarkRunningAsync(string targetResourceId, string actionId, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(RunningPartition, RunningKey(targetResourceId, actionId), ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already removed.
        }
    }

    private static string RunningKey(string targetResourceId, string actionId) => PartitionFor(targetResourceId) + "_" + actionId;

    private static string PartitionFor(string targetResourceId) => IncidentIds.InstanceIdFor(targetResourceId);

    private static ActionRecord ToRecord(TableEntity e) => new(
        e.RowKey,
        e.GetString("IncidentId") ?? string.Empty,
        e.GetString("TargetResourceId") ?? string.Empty,
        Enum.TryParse<PlanKind>(e.GetString("Plan"), out var plan) ? plan : PlanKind.Escalate,
        Enum.TryParse<ActionState>(e.GetString("State"), out var state) ? state : ActionState.Started,
        e.GetDateTimeOffset("StartedAt") ?? e.Timestamp ?? DateTimeOffset.MinValue,
        e.GetBoolean("Finished") ?? false,
        e.GetString("Message"),
        e.ETag.ToString());
}

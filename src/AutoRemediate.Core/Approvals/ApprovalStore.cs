using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Approvals;

/// <summary>Where an approval request stands.</summary>
public enum ApprovalState
{
    /// <summary>Asked; nobody has decided yet.</summary>
    Pending,

    /// <summary>Claimed by an approver who approved.</summary>
    Approved,

    /// <summary>Claimed by an approver who rejected.</summary>
    Rejected,

    /// <summary>Nobody decided before it expired.</summary>
    TimedOut,

    /// <summary>No longer needed: the alert resolved before anyone decided.</summary>
    Withdrawn,
}

/// <summary>One approval request as stored.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="ApprovalId">The request (incident + rung).</param>
/// <param name="State">Where it stands.</param>
/// <param name="Plan">What was asked for.</param>
/// <param name="RequestedAt">When it was asked.</param>
/// <param name="ExpiresAt">When it times out.</param>
/// <param name="DecidedBy">Who claimed it, once decided.</param>
/// <param name="DecidedAt">When it was decided, timed out or withdrawn.</param>
/// <param name="Comment">The approver's comment, if any.</param>
/// <param name="ETag">The storage ETag the next conditional write must match.</param>
/// <param name="From">The client address the decision came from (an approval link), when known.</param>
public sealed record ApprovalRecord(
    string IncidentId, string ApprovalId, ApprovalState State, string Plan, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt,
    string? DecidedBy, DateTimeOffset? DecidedAt, string? Comment, string ETag, string? From = null)
{
    /// <summary>True once an approver claimed it.</summary>
    public bool IsDecided => State is ApprovalState.Approved or ApprovalState.Rejected;
}

/// <summary>
/// Approval requests and their one decision. A decision is claimed with a write conditional on the
/// ETag of the pending row that was read, so of two approvers deciding at once exactly one wins, and
/// the expiry (or withdrawal) of a request is the same kind of write: whichever comes first holds.
/// </summary>
public interface IApprovalStore
{
    /// <summary>Stores a new pending request. Idempotent: an existing row (perhaps already decided) is left as it is.</summary>
    Task OpenAsync(string incidentId, string approvalId, string plan, DateTimeOffset requestedAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Reads one request, or null.</summary>
    Task<ApprovalRecord?> GetAsync(string incidentId, string approvalId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims the decision on <paramref name="pending"/>, conditional on its ETag. Returns true and the
    /// decided row when this call won; false and the row as it now stands when something else changed
    /// it first (another approver, the expiry). <paramref name="from"/> is the client address, when known.
    /// </summary>
    Task<(bool Won, ApprovalRecord Current)> TryDecideAsync(ApprovalRecord pending, bool approve, string approver, string? comment, DateTimeOffset at, string? from = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a pending request as <see cref="ApprovalState.TimedOut"/> or <see cref="ApprovalState.Withdrawn"/>,
    /// unless it was decided first. Returns the row as it then stands (decided, or ended by this call or an
    /// earlier one), or null when there is no such request. Idempotent.
    /// </summary>
    Task<ApprovalRecord?> CloseAsync(string incidentId, string approvalId, ApprovalState state, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IApprovalStore"/> on Table Storage: PartitionKey = incident id, RowKey = approval id.</summary>
public sealed class TableApprovalStore : IApprovalStore
{
    private const int MaxConflictRetries = 20;
    private readonly TableClient _table;
    private readonly AsyncOnce _tableCreated;

    /// <summary>Creates the store over the given service.</summary>
    public TableApprovalStore(TableServiceClient service, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        _table = service.GetTableClient(options.Value.ApprovalsTable);
        _tableCreated = new AsyncOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    /// <inheritdoc />
    public async Task OpenAsync(string incidentId, string approvalId, string plan, DateTimeOffset requestedAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(incidentId, approvalId)
        {
            ["State"] = nameof(ApprovalState.Pending),
            ["Plan"] = plan,
            ["RequestedAt"] = requestedAt,
            ["ExpiresAt"] = expiresAt,
        };
        try
        {
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // A retried activity: the row exists, and may already carry a decision that must not be undone.
        }
    }

    /// <inheritdoc />
    public async Task<ApprovalRecord?> GetAsync(string incidentId, string approvalId, CancellationToken cancellationToken = default)
    {
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(incidentId, approvalId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue && response.Value is { } e ? Read(e) : null;
    }

    /// <inheritdoc />
    public async Task<(bool Won, ApprovalRecord Current)> TryDecideAsync(
        ApprovalRecord pending, bool approve, string approver, string? comment, DateTimeOffset at, string? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (pending.State != ApprovalState.Pending)
        {
            return (false, pending);
        }

        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var patch = new TableEntity(pending.IncidentId, pending.ApprovalId)
        {
            ["State"] = (approve ? ApprovalState.Approved : ApprovalState.Rejected).ToString(),
            ["DecidedBy"] = approver,
            ["DecidedAt"] = at,
            ["Comment"] = comment ?? string.Empty,
            ["From"] = from ?? string.Empty,
        };
        try
        {
            // Conditional on the pending row that was read: the first writer changes the ETag, so every
            // other writer holding the same read fails here with 412.
            var response = await _table.UpdateEntityAsync(patch, new ETag(pending.ETag), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return (true, pending with
            {
                State = approve ? ApprovalState.Approved : ApprovalState.Rejected,
                DecidedBy = approver,
                DecidedAt = at,
                Comment = comment,
                From = from,
                ETag = response.Headers.ETag?.ToString() ?? string.Empty,
            });
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            var current = await GetAsync(pending.IncidentId, pending.ApprovalId, cancellationToken).ConfigureAwait(false);
            return (false, current ?? pending with { State = ApprovalState.Withdrawn });
        }
    }

    /// <inheritdoc />
    public async Task<ApprovalRecord?> CloseAsync(string incidentId, string approvalId, ApprovalState state, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (state is not (ApprovalState.TimedOut or ApprovalState.Withdrawn))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "Only TimedOut or Withdrawn end a request without a decision.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(incidentId, approvalId, cancellationToken).ConfigureAwait(false);
            if (current is null || current.State != ApprovalState.Pending)
            {
                return current;
            }

            var patch = new TableEntity(incidentId, approvalId) { ["State"] = state.ToString(), ["DecidedAt"] = at };
            try
            {
                var response = await _table.UpdateEntityAsync(patch, new ETag(current.ETag), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return current with { State = state, DecidedAt = at, ETag = response.Headers.ETag?.ToString() ?? string.Empty };
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxConflictRetries)
            {
                // A decision was claimed in between: read again, and the claim wins.
            }
        }
    }

    /// <summary>Deletes every approval request of the incident (its partition) and returns how many went. Idempotent.</summary>
    public async Task<int> PurgeIncidentAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(incidentId);
        await _tableCreated.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await TableRowDeletes.DeleteWhereAsync(_table, TableClient.CreateQueryFilter($"PartitionKey eq {incidentId}"), cancellationToken).ConfigureAwait(false);
    }

    private static ApprovalRecord Read(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey,
        Enum.TryParse<ApprovalState>(e.GetString("State"), out var state) ? state : ApprovalState.Pending,
        e.GetString("Plan") ?? string.Empty,
        e.GetDateTimeOffset("RequestedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MaxValue,
        e.GetString("DecidedBy") is { Length: > 0 } by ? by : null,
        e.GetDateTimeOffset("DecidedAt"),
        e.GetString("Comment") is { Length: > 0 } comment ? comment : null,
        e.ETag.ToString(),
        e.GetString("From") is { Length: > 0 } from ? from : null);
}

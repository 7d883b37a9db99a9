using Azure;
using Azure.Data.Tables;

namespace AutoRemediate.Shared;

/// <summary>Deletes of table rows that may already be gone: every purge is re-run after a failure, so a missing row is done, not an error.</summary>
public static class TableRowDeletes
{
    /// <summary>Deletes one row; false when it was not there.</summary>
    public static async Task<bool> DeleteAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes every row <paramref name="filter"/> matches and returns how many it deleted. The filter must name one
    /// partition (callers never scan a table). The keys are read first and deleted after, so the query never pages over
    /// rows it is deleting.
    /// </summary>
    public static async Task<int> DeleteWhereAsync(TableClient table, string filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var keys = new List<(string PartitionKey, string RowKey)>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add((row.PartitionKey, row.RowKey));
        }

        var deleted = 0;
        foreach (var (partitionKey, rowKey) in keys)
        {
            if (await DeleteAsync(table, partitionKey, rowKey, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return deleted;
    }
}

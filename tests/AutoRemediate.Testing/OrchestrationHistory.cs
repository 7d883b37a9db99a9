using System.Text;
using System.Text.Json;
using Azure.Data.Tables;

namespace AutoRemediate.Testing;

/// <summary>What the Azure Storage Durable backend stores as one instance's history.</summary>
/// <param name="Bytes">The rows' properties as JSON, in bytes.</param>
/// <param name="Rows">How many rows.</param>
/// <param name="Polls">How many health polls (CheckHealth activities) it holds.</param>
public sealed record StoredHistory(int Bytes, int Rows, int Polls);

/// <summary>Reads an instance's history from the <c>{TaskHub}History</c> table, for tests and benchmarks alike.</summary>
public static class OrchestrationHistory
{
    /// <summary>
    /// Waits until the instance's current execution has ended (its ExecutionCompleted row is stored): an incident's
    /// record closes one step before its orchestration does, and a history read in between misses the last rows.
    /// </summary>
    public static async Task WaitCompletedAsync(TableClient history, string instanceId, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(history);
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var sentinel = await history.GetEntityIfExistsAsync<TableEntity>(instanceId, "sentinel");
            var current = sentinel.HasValue ? sentinel.Value!.GetString("ExecutionId") : null;
            var seen = new List<string>();
            await foreach (var row in history.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId && e.RowKey != "sentinel"))
            {
                if (row.GetString("ExecutionId") == current && row.GetString("EventType") == "ExecutionCompleted")
                {
                    return;
                }

                seen.Add($"{row.GetString("EventType")} {row.GetString("Name")}".TrimEnd());
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"{instanceId} has not completed within {timeout}; its history: {string.Join(", ", seen)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The rows of the instance's current execution, each row's properties as JSON: the history the
    /// backend loads to replay it (large payloads would be blobs; there are none here). Rows an earlier,
    /// longer generation left behind carry an older ExecutionId and are not part of it.
    /// </summary>
    public static async Task<StoredHistory> ReadAsync(TableClient history, string instanceId, Action<TableEntity, int>? onRow = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var bytes = 0;
        var rows = 0;
        var polls = 0;
        var current = (await history.GetEntityAsync<TableEntity>(instanceId, "sentinel")).Value.GetString("ExecutionId");
        await foreach (var row in history.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId && e.RowKey != "sentinel"))
        {
            if (row.GetString("ExecutionId") != current)
            {
                continue;
            }

            var size = Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(row.Where(p => p.Key != "odata.etag").ToDictionary(p => p.Key, p => p.Value)));
            bytes += size;
            rows++;
            if (row.GetString("EventType") == "TaskScheduled" && row.GetString("Name") == "CheckHealth")
            {
                polls++;
            }

            onRow?.Invoke(row, size);
        }

        return new StoredHistory(bytes, rows, polls);
    }
}

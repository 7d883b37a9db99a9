using Azure;
using Azure.Data.Tables;

namespace AutoRemediate.Testing;

/// <summary>Reads tables in the test run's Azurite, for "nothing was stored" assertions.</summary>
public static class TableRows
{
    /// <summary>Rows in the table (with <paramref name="filter"/>, the rows it matches); 0 when the table was never created.</summary>
    public static async Task<int> CountAsync(string tableName, string? filter = null)
    {
        var table = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(tableName);
        var count = 0;
        try
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey"]))
            {
                count++;
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: nothing was ever stored.
        }

        return count;
    }

    /// <summary>Incidents in an Incidents table: its incident rows, not the list index rows beside them.</summary>
    public static Task<int> IncidentsAsync(string tableName) => CountAsync(tableName, "RowKey eq 'incident'");
}

using Azure;
using Azure.Data.Tables;

namespace AutoRemediate.Testing;

/// <summary>Reads tables in the test run's Azurite, for "nothing was stored" assertions.</summary>
public static class TableRows
{
    /// <summary>Rows in the table; 0 when the table was never created.</summary>
    public static async Task<int> CountAsync(string tableName)
    {
        var table = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(tableName);
        var count = 0;
        try
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
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
}

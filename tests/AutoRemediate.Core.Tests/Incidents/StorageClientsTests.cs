using AutoRemediate.Azure;
using AutoRemediate.Incidents;
using Microsoft.Extensions.Configuration;

namespace AutoRemediate.Core.Tests.Incidents;

/// <summary>The one ladder that builds the Blob and Table services from AzureWebJobsStorage. Building a client sends nothing.</summary>
[TestClass]
public sealed class StorageClientsTests
{
    private const string ConnectionString = "UseDevelopmentStorage=true";

    private static IConfiguration Configuration(string? key, string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection(key is null ? [] : [new KeyValuePair<string, string?>(key, value)]).Build();

    [TestMethod]
    [DataRow("AzureWebJobsStorage", ConnectionString, "http://127.0.0.1:10000/devstoreaccount1", DisplayName = "connection string")]
    [DataRow("AzureWebJobsStorage:blobServiceUri", "https://shop.blob.example.test/", "https://shop.blob.example.test/", DisplayName = "service URI (identity)")]
    [DataRow("AzureWebJobsStorage:accountName", "stshop", "https://stshop.blob.core.windows.net/", DisplayName = "account name (identity)")]
    [DataRow("AzureWebJobsStorage:tableServiceUri", "https://shop.table.example.test/", null, DisplayName = "only the table's URI: no blob service")]
    public void CreateBlobService_Setting_ServiceAtTheConfiguredAddress(string key, string value, string? expected)
    {
        var configuration = Configuration(key, value);

        if (expected is null)
        {
            var ex = Assert.ThrowsExactly<InvalidOperationException>(() => StorageClients.CreateBlobService(configuration, new SandboxCredential(TimeProvider.System)));
            Assert.AreEqual("No storage configured: set 'AzureWebJobsStorage' to a connection string, or 'AzureWebJobsStorage__blobServiceUri' / 'AzureWebJobsStorage__accountName'.", ex.Message);
            return;
        }

        Assert.AreEqual(expected.TrimEnd('/'), StorageClients.CreateBlobService(configuration, new SandboxCredential(TimeProvider.System)).Uri.ToString().TrimEnd('/'));
    }

    [TestMethod]
    [DataRow("AzureWebJobsStorage", ConnectionString, "http://127.0.0.1:10002/devstoreaccount1", DisplayName = "connection string")]
    [DataRow("AzureWebJobsStorage:tableServiceUri", "https://shop.table.example.test/", "https://shop.table.example.test/", DisplayName = "service URI (identity)")]
    [DataRow("AzureWebJobsStorage:accountName", "stshop", "https://stshop.table.core.windows.net/", DisplayName = "account name (identity)")]
    [DataRow("AzureWebJobsStorage:blobServiceUri", "https://shop.blob.example.test/", null, DisplayName = "only the blob's URI: no table service")]
    [DataRow(null, null, null, DisplayName = "nothing configured")]
    public void CreateTableService_Setting_ServiceAtTheConfiguredAddress(string? key, string? value, string? expected)
    {
        var configuration = Configuration(key, value);

        if (expected is null)
        {
            var ex = Assert.ThrowsExactly<InvalidOperationException>(() => StorageClients.CreateTableService(configuration, new SandboxCredential(TimeProvider.System)));
            Assert.AreEqual(
                "No storage configured: set 'AzureWebJobsStorage' to a connection string (Azurite: UseDevelopmentStorage=true), " +
                "or 'AzureWebJobsStorage__tableServiceUri' / 'AzureWebJobsStorage__accountName' for an identity-based connection.", ex.Message);
            return;
        }

        Assert.AreEqual(expected.TrimEnd('/'), StorageClients.CreateTableService(configuration, new SandboxCredential(TimeProvider.System)).Uri.ToString().TrimEnd('/'));
    }
}

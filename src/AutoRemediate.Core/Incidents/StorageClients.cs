using AutoRemediate.Shared;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Incidents;

/// <summary>
/// The Table and Blob service clients of the Function App's own storage account
/// (<see cref="ConnectionName"/>), built from configuration the way the Functions host reads that setting.
/// </summary>
internal static class StorageClients
{
    /// <summary>The storage setting the Functions host uses; incidents and evidence live in the same account.</summary>
    public const string ConnectionName = "AzureWebJobsStorage";

    /// <summary>Registers <see cref="StorageOptions"/> and one Table and one Blob service client for the account.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StorageOptions>(configuration, StorageOptions.SectionName);
        services.AddSingleton(sp => CreateTableService(configuration, sp.GetRequiredService<TokenCredential>()));
        services.AddSingleton(sp => CreateBlobService(configuration, sp.GetRequiredService<TokenCredential>()));
        return services;
    }

    /// <summary>The Blob service of the account.</summary>
    public static BlobServiceClient CreateBlobService(IConfiguration configuration, TokenCredential credential) =>
        Create(configuration, "blob",
            connectionString => new BlobServiceClient(connectionString),
            uri => new BlobServiceClient(uri, credential),
            $"No storage configured: set '{ConnectionName}' to a connection string, or '{ConnectionName}__blobServiceUri' / '{ConnectionName}__accountName'.");

    /// <summary>The Table service of the account, with short retries.</summary>
    public static TableServiceClient CreateTableService(IConfiguration configuration, TokenCredential credential)
    {
        var options = new TableClientOptions();
        // Ingest answers a webhook: fail over to 503 (which Azure Monitor retries) within seconds
        // rather than holding the caller through Azure.Core's default back-off.
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return Create(configuration, "table",
            connectionString => new TableServiceClient(connectionString, options),
            uri => new TableServiceClient(uri, credential, options),
            $"No storage configured: set '{ConnectionName}' to a connection string (Azurite: UseDevelopmentStorage=true), " +
            $"or '{ConnectionName}__tableServiceUri' / '{ConnectionName}__accountName' for an identity-based connection.");
    }

    // The host's ladder: a connection string; else an identity-based connection by the service's URI
    // ('{service}ServiceUri'); else by account name in the public cloud.
    private static T Create<T>(IConfiguration configuration, string service, Func<string, T> fromConnectionString, Func<Uri, T> fromUri, string notConfigured)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[ConnectionName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return fromConnectionString(connectionString);
        }

        var section = configuration.GetSection(ConnectionName);
        if (Uri.TryCreate(section[service + "ServiceUri"], UriKind.Absolute, out var serviceUri))
        {
            return fromUri(serviceUri);
        }

        if (section["accountName"] is { Length: > 0 } account)
        {
            return fromUri(new Uri($"https://{account}.{service}.core.windows.net"));
        }

        throw new InvalidOperationException(notConfigured);
    }
}
